package io.picflow.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * A leaked token is only as bad as it is long-lived: refuses tokens valid for longer than the configured
 * maximum, measured from {@code iat} or, without it, from now. An {@code iat} in the future is refused too,
 * or it would stretch the lifetime the check sees.
 */
class LifetimeValidator implements OAuth2TokenValidator<Jwt> {

    private final Duration maximum;
    private final Clock clock;

    LifetimeValidator(Duration maximum, Clock clock) {
        this.maximum = maximum;
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        Instant expiresAt = token.getExpiresAt();
        if (expiresAt == null) {
            return OAuth2TokenValidatorResult.success(); // ExpiryValidator reports it
        }
        Instant now = clock.instant();
        Instant issuedAt = token.getIssuedAt();
        if (issuedAt != null && issuedAt.isAfter(now.plus(ExpiryValidator.CLOCK_SKEW))) {
            return TokenErrors.failure("The token's iat claim (" + issuedAt + ") is in the future");
        }
        Duration lifetime = Duration.between(issuedAt == null ? now : issuedAt, expiresAt);
        if (lifetime.compareTo(maximum) > 0) {
            return TokenErrors.failure("The token's lifetime (" + (issuedAt == null ? "exp - now" : "exp - iat") + ") of "
                    + TokenErrors.describe(lifetime) + " exceeds the maximum of " + TokenErrors.describe(maximum));
        }
        return OAuth2TokenValidatorResult.success();
    }
}
