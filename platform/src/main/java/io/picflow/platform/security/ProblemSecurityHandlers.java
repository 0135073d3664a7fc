package io.picflow.platform.security;

import io.picflow.platform.web.ProblemResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/** 401 and 403 as problem+json, with the WWW-Authenticate challenge RFC 6750 asks for. */
class ProblemSecurityHandlers implements AuthenticationEntryPoint, AccessDeniedHandler {

    /**
     * For a token we could not even read or whose signature is wrong. Nimbus's own messages may quote parts
     * of the token; this one quotes nothing.
     */
    static final String UNVERIFIABLE = "The bearer token is malformed or not signed with the configured secret";

    private final ProblemResponseWriter problems;

    ProblemSecurityHandlers(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (!(e instanceof OAuth2AuthenticationException)) {
            response.setHeader("WWW-Authenticate", "Bearer");
            problems.write(response, HttpStatus.UNAUTHORIZED, "A bearer token is required (Authorization: Bearer <token>)",
                    request.getRequestURI());
            return;
        }
        String problem = describe(e);
        response.setHeader("WWW-Authenticate",
                "Bearer error=\"invalid_token\", error_description=\"" + headerSafe(problem) + "\"");
        problems.write(response, HttpStatus.UNAUTHORIZED, problem, request.getRequestURI());
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        problems.write(response, HttpStatus.FORBIDDEN,
                "The token's roles do not allow this request", request.getRequestURI());
    }

    /** What our validators said about the token's claims, every failing one; or that it could not be verified at all. */
    static String describe(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JwtValidationException invalid) {
                String described = invalid.getErrors().stream().map(OAuth2Error::getDescription)
                        .filter(Objects::nonNull).distinct().collect(Collectors.joining("; "));
                return described.isEmpty() ? UNVERIFIABLE : described;
            }
        }
        return UNVERIFIABLE;
    }

    /** RFC 6750 error_description: printable ASCII without '"' and '\'. A claim value we quote may have either. */
    private static String headerSafe(String text) {
        StringBuilder safe = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            safe.append(c == '"' ? '\'' : c < 0x20 || c > 0x7e || c == '\\' ? '?' : c);
        }
        return safe.toString();
    }
}
