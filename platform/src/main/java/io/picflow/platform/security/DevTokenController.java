package io.picflow.platform.security;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.InetAddress;
import java.net.UnknownHostException;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import io.picflow.platform.web.ProblemException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Issues tokens for local use. Exists only in the embedded run with the secret it generated
 * ({@code picflow.security.dev-tokens=true}, which only the embedded launcher sets, and only then). A
 * configured secret is shared with a real identity provider: this endpoint would sign any token with it.
 */
@RestController
@ConditionalOnProperty(name = "picflow.security.dev-tokens", havingValue = "true")
public class DevTokenController {

    private static final Set<String> KNOWN_ROLES = Set.of(Roles.USER, Roles.ADMIN);

    private final JwtEncoder encoder;
    private final SecurityProperties properties;

    public DevTokenController(SecretKey jwtSigningKey, SecurityProperties properties) {
        this.encoder = new NimbusJwtEncoder(new ImmutableSecret<>(jwtSigningKey));
        this.properties = properties;
    }

    public record TokenRequest(
            @NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._@-]+", message = "letters, digits and . _ @ - only")
            String userId,
            List<String> roles) {
    }

    public record TokenResponse(String token, Instant expiresAt) {
    }

    @PostMapping("/api/dev/tokens")
    public TokenResponse issue(@Valid @RequestBody TokenRequest request, HttpServletRequest http) {
        // Anyone who reaches this endpoint can become admin: even in the embedded run, only from this machine.
        requireLocal(http, "Dev tokens are", "issued");
        List<String> roles = request.roles() == null || request.roles().isEmpty() ? List.of(Roles.USER) : request.roles();
        if (!KNOWN_ROLES.containsAll(roles)) {
            throw ProblemException.badRequest("roles: each must be one of " + KNOWN_ROLES);
        }
        Instant now = Instant.now();
        // A dev token the service itself would refuse as too long-lived is of no use to anyone.
        Duration lifetime = properties.devTokenLifetime().compareTo(properties.maxTokenLifetime()) > 0
                ? properties.maxTokenLifetime() : properties.devTokenLifetime();
        Instant expiresAt = now.plus(lifetime);
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(properties.jwtIssuer())
                .subject(request.userId())
                .issuedAt(now)
                .expiresAt(expiresAt)
                .claims(c -> c.putAll(Map.of("roles", roles)))
                .build();
        String token = encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
        return new TokenResponse(token, expiresAt);
    }

    /**
     * Refuses (403) a request that is not from this machine, or that came through a proxy (behind a proxy on this
     * machine every caller looks local: a forwarded request is refused whoever sent it). For the endpoints of the
     * embedded run only: {@code what} and {@code verb} word the refusal ("Dev tokens are", "issued").
     */
    public static void requireLocal(HttpServletRequest http, String what, String verb) {
        String forwarding = forwardingHeader(http);
        if (forwarding != null) {
            throw new ProblemException(HttpStatus.FORBIDDEN, "Forbidden",
                    what + " not " + verb + " to forwarded requests (the request has a " + forwarding + " header)");
        }
        if (!isLoopback(http.getRemoteAddr())) {
            throw new ProblemException(HttpStatus.FORBIDDEN, "Forbidden", what + " " + verb + " to local clients only");
        }
    }

    /** The name of the first {@code Forwarded} or {@code X-Forwarded-*} header, as the client spelled it, or null. */
    private static String forwardingHeader(HttpServletRequest http) {
        for (String name : Collections.list(http.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("forwarded") || lower.startsWith("x-forwarded-")) {
                return name;
            }
        }
        return null;
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
