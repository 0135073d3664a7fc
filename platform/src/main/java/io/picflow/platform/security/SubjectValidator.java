package io.picflow.platform.security;

import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/** The subject becomes the acting user of every command and event: it must be present and of sane length. */
class SubjectValidator implements OAuth2TokenValidator<Jwt> {

    static final int MAX_LENGTH = 255;

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        String subject = token.getSubject();
        if (subject == null || subject.isBlank() || subject.length() > MAX_LENGTH) {
            return TokenErrors.failure("The token's sub claim must be 1 to " + MAX_LENGTH + " characters");
        }
        return OAuth2TokenValidatorResult.success();
    }
}
