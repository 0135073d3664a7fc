package io.picflow.platform.security;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Checks a bearer token outside Spring Security's filter chain, for transports that authenticate
 * once per connection rather than per request (the WebSocket handshake). Same decoder, same rules.
 */
public class TokenAuthenticator {

    private final JwtDecoder decoder;

    public TokenAuthenticator(JwtDecoder decoder) {
        this.decoder = decoder;
    }

    /** A valid token: whom it speaks for, and until when (every accepted token has an {@code exp}). */
    public record Authenticated(CurrentUser user, Instant expiresAt) {
    }

    /** The user the token speaks for, or empty if it is missing, malformed, badly signed or expired. */
    public Optional<Authenticated> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Optional.empty();
        }
        try {
            Jwt jwt = decoder.decode(token);
            List<String> roles = jwt.getClaimAsStringList("roles");
            if (roles == null || !(roles.contains(Roles.USER) || roles.contains(Roles.ADMIN))) {
                return Optional.empty();
            }
            return Optional.of(new Authenticated(new CurrentUser(jwt.getSubject(), roles.contains(Roles.ADMIN)),
                    jwt.getExpiresAt()));
        } catch (JwtException e) {
            return Optional.empty();
        }
    }
}
