package io.picflow.platform.web;

import org.springframework.http.HttpStatus;

/**
 * A client-visible failure: rendered as {@code application/problem+json} with this status, title and detail.
 * Subclasses name the common cases so that code reads as what happened.
 */
public class ProblemException extends RuntimeException {

    private final HttpStatus status;
    private final String title;
    private final java.time.Duration retryAfter;

    public ProblemException(HttpStatus status, String title, String detail) {
        this(status, title, detail, null);
    }

    private ProblemException(HttpStatus status, String title, String detail, java.time.Duration retryAfter) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfter = retryAfter;
    }

    /** 429: the caller is over a limit; {@code retryAfter} becomes the Retry-After header. */
    public static ProblemException tooManyRequests(String detail, java.time.Duration retryAfter) {
        return new ProblemException(HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests", detail, retryAfter);
    }

    /** When to try again, for 429 and 503 answers; null otherwise. */
    public java.time.Duration retryAfter() {
        return retryAfter;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** 404: unknown, or not visible to the caller (we do not reveal that another user's resource exists). */
    public static ProblemException notFound(String detail) {
        return new ProblemException(HttpStatus.NOT_FOUND, "Not Found", detail);
    }

    /** 409: the request conflicts with the resource's current state. */
    public static ProblemException conflict(String detail) {
        return new ProblemException(HttpStatus.CONFLICT, "Conflict", detail);
    }

    /** 422: well-formed, but cannot be processed as asked. */
    public static ProblemException unprocessable(String detail) {
        return new ProblemException(HttpStatus.UNPROCESSABLE_CONTENT, "Unprocessable Content", detail);
    }

    /** 400: the request is invalid. */
    public static ProblemException badRequest(String detail) {
        return new ProblemException(HttpStatus.BAD_REQUEST, "Bad Request", detail);
    }
}
