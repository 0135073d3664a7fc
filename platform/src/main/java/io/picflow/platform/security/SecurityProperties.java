package io.picflow.platform.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Authentication settings ({@code picflow.security.*}).
 *
 * @param jwtSecret       the HS256 key shared with the token issuer, at least 32 bytes; there is no
 *                        default: outside the embedded run, start-up fails without one
 * @param devTokens       whether {@code POST /api/dev/tokens} exists (the embedded run only)
 * @param devTokenLifetime how long a dev token is valid
 */
@ConfigurationProperties("picflow.security")
public record SecurityProperties(String jwtSecret, boolean devTokens, Duration devTokenLifetime) {

    public SecurityProperties {
        devTokenLifetime = devTokenLifetime == null ? Duration.ofHours(12) : devTokenLifetime;
    }
}
