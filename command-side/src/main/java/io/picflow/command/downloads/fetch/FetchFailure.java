package io.picflow.command.downloads.fetch;

import java.time.Duration;

/**
 * Why a fetch (or the validation, processing or storing after it) failed, classified for the
 * retry decision: transient failures are retried with backoff, permanent ones fail at once.
 */
public class FetchFailure extends Exception {

    private final String code;
    private final boolean retryable;
    private final Duration retryAfter;

    public FetchFailure(String code, String message, boolean retryable, Duration retryAfter) {
        super(message);
        this.code = code;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public static FetchFailure transientFailure(String code, String message) {
        return new FetchFailure(code, message, true, null);
    }

    public static FetchFailure permanent(String code, String message) {
        return new FetchFailure(code, message, false, null);
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The server's Retry-After, when it sent one. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
