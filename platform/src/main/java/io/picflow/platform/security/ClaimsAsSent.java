package io.picflow.platform.security;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;

/**
 * Spring's claim conversion, with {@code iat} as the token sent it. Spring fills a missing {@code iat} in as
 * {@code exp} - 1 s, which would hide from {@link LifetimeValidator} that there was none, and refuses an
 * {@code exp} not after {@code iat} with a message that names no claim (the 401 would call the token malformed).
 */
class ClaimsAsSent implements Converter<Map<String, Object>, Map<String, Object>> {

    private final Converter<Map<String, Object>, Map<String, Object>> spring = MappedJwtClaimSetConverter.withDefaults(Map.of());

    @Override
    public Map<String, Object> convert(Map<String, Object> claims) {
        Map<String, Object> converted = new HashMap<>(spring.convert(claims));
        if (!claims.containsKey(JwtClaimNames.IAT)) {
            converted.remove(JwtClaimNames.IAT);
        }
        if (converted.get(JwtClaimNames.IAT) instanceof Instant issuedAt
                && converted.get(JwtClaimNames.EXP) instanceof Instant expiresAt && !expiresAt.isAfter(issuedAt)) {
            // Thrown as a validation failure so that the 401 describes it like the others.
            String description = "The token's exp claim (" + expiresAt + ") is not after its iat claim (" + issuedAt + ")";
            throw new JwtValidationException(description, List.of(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null)));
        }
        return converted;
    }
}
