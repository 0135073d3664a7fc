package io.picflow.platform.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Authentication settings ({@code picflow.security.*}).
 *
 * @param jwtSecret        the HS256 key shared with the token issuer, at least 32 bytes; there is no
 *                         default: outside the embedded run, start-up fails without one
 * @param jwtIssuer        the {@code iss} every token must carry ({@code picflow} by default); dev tokens carry it too
 * @param maxTokenLifetime the longest a token may be valid: {@code exp - iat}, or {@code exp - now} without {@code iat}
 * @param devTokens        whether {@code POST /api/dev/tokens} exists: only the embedded launcher turns it on,
 *                         and only when it generated the secret
 * @param devTokenLifetime how long a dev token is valid (never longer than {@code maxTokenLifetime})
 */
@ConfigurationProperties("picflow.security")
public record SecurityProperties(String jwtSecret, String jwtIssuer, Duration maxTokenLifetime, boolean devTokens,
        Duration devTokenLifetime) {

    public static final String DEFAULT_ISSUER = "picflow";

    public SecurityProperties {
        jwtIssuer = jwtIssuer == null || jwtIssuer.isBlank() ? DEFAULT_ISSUER : jwtIssuer;
        maxTokenLifetime = maxTokenLifetime == null || maxTokenLifetime.isNegative() || maxTokenLifetime.isZero() ? Duration.ofHours(24) : maxTokenLifetime;
        devTokenLifetime = devTokenLifetime == null ? Duration.ofHours(12) : devTokenLifetime;
    }
}
