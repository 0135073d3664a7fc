package io.picflow.platform.security;

import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;

/** Only tokens of the configured issuer count: a token signed with the same secret for another purpose does not. */
class IssuerValidator implements OAuth2TokenValidator<Jwt> {

    /** How much of a wrong issuer the error repeats: enough to recognise it, not a whole payload. */
    private static final int MAX_ECHOED = 64;

    private final String issuer;

    IssuerValidator(String issuer) {
        this.issuer = issuer;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        // As a string: Jwt.getIssuer() wants a URL, and "picflow" is not one.
        String actual = token.getClaimAsString(JwtClaimNames.ISS);
        if (actual == null) {
            return TokenErrors.failure("The token has no iss claim");
        }
        if (!issuer.equals(actual)) {
            String shown = actual.length() > MAX_ECHOED ? actual.substring(0, MAX_ECHOED) + "..." : actual;
            return TokenErrors.failure("The token's iss claim \"" + shown + "\" is not the configured issuer \"" + issuer + "\"");
        }
        return OAuth2TokenValidatorResult.success();
    }
}
