package io.picflow.platform.web;

import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into {@code application/problem+json}. Spring's base class covers the
 * protocol errors (404 route, 405, 415, ...); this adds readable details for the client's mistakes
 * and makes sure that nothing else leaks a stack trace.
 */
@RestControllerAdvice
public class ProblemHandlers extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandlers.class);

    @ExceptionHandler(ProblemException.class)
    ResponseEntity<ProblemDetail> problem(ProblemException e) {
        ResponseEntity<ProblemDetail> response = problem(e.status(), e.title(), e.getMessage());
        if (e.retryAfter() == null) {
            return response;
        }
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        return ResponseEntity.status(response.getStatusCode()).header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .body(response.getBody());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad Request",
                "Parameter '" + e.getName() + "' has an invalid value: " + e.getValue());
    }

    /** Tomcat parses the query string (and a form body) when a parameter is first read: a bad %-escape fails there. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> invalidParameters(InvalidParameterException e) {
        HttpStatus status = e.getErrorCode() == HttpStatus.CONTENT_TOO_LARGE.value() ? HttpStatus.CONTENT_TOO_LARGE : HttpStatus.BAD_REQUEST;
        return problem(status, status.getReasonPhrase(), "The query string or form body cannot be read: a parameter is not"
                + " correctly %-encoded UTF-8, or there are too many parameters");
    }

    /**
     * The firewall checks a header when it is read: one read by a controller or by Spring MVC (Accept)
     * fails here, after the security filters that handle the firewall's other refusals.
     */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(RequestRejectedException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad Request", e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        if (DatabaseUnavailable.causes(e)) {
            log.warn("Refused a request: the database is unavailable ({})", DatabaseUnavailable.describe(e));
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(DatabaseUnavailable.RETRY_AFTER.toSeconds()))
                    .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable",
                            "The database cannot be reached right now, so the request may not have been applied. Send it again"
                                    + " shortly, with the same Idempotency-Key if it had one, so that it is applied at most once.").getBody());
        }
        log.error("Unhandled error", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "Internal Server Error",
                "The server failed to handle the request; the correlation id in X-Correlation-Id identifies it in the logs.");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return asObject(problem(HttpStatus.BAD_REQUEST, "Invalid request", detail.isEmpty() ? "The request is invalid" : detail));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = e.getAllErrors().stream()
                .map(error -> error.getDefaultMessage())
                .collect(Collectors.joining("; "));
        return asObject(problem(HttpStatus.BAD_REQUEST, "Invalid request", detail));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof PayloadTooLargeException tooLarge) {
                return asObject(problem(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large", tooLarge.getMessage()));
            }
        }
        String reason = e.getMostSpecificCause().getMessage();
        // Jackson's messages can be long and quote internals: keep the first line.
        String firstLine = reason == null ? "" : reason.lines().findFirst().orElse("");
        return asObject(problem(HttpStatus.BAD_REQUEST, "Malformed request body",
                "The body is not valid JSON for this request" + (firstLine.isBlank() ? "" : ": " + firstLine)));
    }

    static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setTitle(title);
        return ResponseEntity.status(status).body(body);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ResponseEntity<Object> asObject(ResponseEntity<ProblemDetail> entity) {
        return (ResponseEntity) entity;
    }
}
