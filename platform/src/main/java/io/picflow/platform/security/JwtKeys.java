package io.picflow.platform.security;

import java.nio.charset.StandardCharsets;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** Turns the configured secret into an HS256 key, refusing a missing or weak one with a clear message. */
final class JwtKeys {

    static final int MIN_SECRET_BYTES = 32;

    private JwtKeys() {
    }

    static SecretKey hs256(SecurityProperties properties) {
        String secret = properties.jwtSecret();
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("No JWT secret is configured. Set PICFLOW_JWT_SECRET "
                    + "(picflow.security.jwt-secret) to a random string of at least " + MIN_SECRET_BYTES
                    + " bytes shared with your token issuer. Only the embedded run generates one itself.");
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalStateException("PICFLOW_JWT_SECRET is too short for HS256: " + bytes.length
                    + " bytes, at least " + MIN_SECRET_BYTES + " required.");
        }
        return new SecretKeySpec(bytes, "HmacSHA256");
    }
}
