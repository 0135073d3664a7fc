package io.picflow.platform.security;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.InetAddress;
import java.net.UnknownHostException;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
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
 * Issues tokens for local use. Exists only in the embedded run ({@code picflow.security.dev-tokens=true},
 * which only the embedded launcher sets): anywhere else, tokens come from the real identity provider.
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
        if (!isLoopback(http.getRemoteAddr())) {
            throw new ProblemException(HttpStatus.FORBIDDEN, "Forbidden", "Dev tokens are issued to local clients only");
        }
        List<String> roles = request.roles() == null || request.roles().isEmpty() ? List.of(Roles.USER) : request.roles();
        if (!KNOWN_ROLES.containsAll(roles)) {
            throw ProblemException.badRequest("roles: each must be one of " + KNOWN_ROLES);
        }
        Instant now = Instant.now();
        Instant expiresAt = now.plus(properties.devTokenLifetime());
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer("picflow-dev")
                .subject(request.userId())
                .issuedAt(now)
                .expiresAt(expiresAt)
                .claims(c -> c.putAll(Map.of("roles", roles)))
                .build();
        String token = encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
        return new TokenResponse(token, expiresAt);
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
