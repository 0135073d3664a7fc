package io.picflow.platform.security;

import java.time.Duration;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;

/** The validators' failures: RFC 6750 {@code invalid_token}, described for the caller who sent the token. */
final class TokenErrors {

    private TokenErrors() {
    }

    static OAuth2TokenValidatorResult failure(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null));
    }

    /** 24h, 1h30m, 45s: as operators write durations in the configuration. */
    static String describe(Duration duration) {
        long seconds = duration.toSeconds();
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        StringBuilder text = new StringBuilder();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (minutes > 0) {
            text.append(minutes).append('m');
        }
        if (rest > 0 || text.isEmpty()) {
            text.append(rest).append('s');
        }
        return text.toString();
    }
}
