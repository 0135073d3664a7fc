package io.picflow.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * A token must say when it expires ({@code exp}), must not have expired, and must not be used before its
 * {@code nbf}. Instead of Spring's JwtTimestampValidator, whose messages ("Jwt expired at ...") do not name
 * the claim, with the same 60 s of tolerance for clocks that disagree.
 */
class ExpiryValidator implements OAuth2TokenValidator<Jwt> {

    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private final Clock clock;

    ExpiryValidator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        Instant now = clock.instant();
        Instant expiresAt = token.getExpiresAt();
        if (expiresAt == null) {
            return TokenErrors.failure("The token has no exp claim");
        }
        if (now.minus(CLOCK_SKEW).isAfter(expiresAt)) {
            return TokenErrors.failure("The token expired at " + expiresAt + " (exp claim)");
        }
        Instant notBefore = token.getNotBefore();
        if (notBefore != null && now.plus(CLOCK_SKEW).isBefore(notBefore)) {
            return TokenErrors.failure("The token is not valid before " + notBefore + " (nbf claim)");
        }
        return OAuth2TokenValidatorResult.success();
    }
}
