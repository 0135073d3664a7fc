package io.picflow.events.downloads;

/** The error codes {@link ImageDownloadFailed} and {@link ImageDownloadRetryScheduled} carry. Part of the contract. */
public final class DownloadErrorCodes {
    // Transient: retried with backoff.
    public static final String CONNECT_TIMEOUT = "CONNECT_TIMEOUT";
    public static final String READ_TIMEOUT = "READ_TIMEOUT";
    public static final String CONNECTION_RESET = "CONNECTION_RESET";
    public static final String STALLED = "STALLED";
    public static final String DNS_TIMEOUT = "DNS_TIMEOUT";
    public static final String TRUNCATED = "TRUNCATED";
    public static final String SERVER_ERROR = "SERVER_ERROR";
    public static final String RATE_LIMITED = "RATE_LIMITED";
    public static final String REQUEST_TIMEOUT = "REQUEST_TIMEOUT";
    public static final String WORKER_LOST = "WORKER_LOST";
    public static final String CONNECTION_FAILED = "CONNECTION_FAILED";
    /** Our side failed (a local file could not be read or written, an unexpected error): retried. */
    public static final String STORAGE_ERROR = "STORAGE_ERROR";
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    /** Not a failure: a user asked to retry a failed download (in {@link ImageDownloadRetryScheduled}). */
    public static final String USER_RETRY = "USER_RETRY";
    // Permanent: fail at once.
    public static final String UNKNOWN_HOST = "UNKNOWN_HOST";
    public static final String FORBIDDEN_ADDRESS = "FORBIDDEN_ADDRESS";
    public static final String TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS";
    public static final String HTTP_CLIENT_ERROR = "HTTP_CLIENT_ERROR";
    public static final String TOO_LARGE = "TOO_LARGE";
    public static final String UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT";
    public static final String TOO_MANY_PIXELS = "TOO_MANY_PIXELS";
    public static final String CORRUPT_IMAGE = "CORRUPT_IMAGE";
    public static final String UNSUPPORTED_SCHEME = "UNSUPPORTED_SCHEME";
    public static final String TLS_ERROR = "TLS_ERROR";

    private DownloadErrorCodes() {
    }
}
