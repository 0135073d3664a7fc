package io.picflow.platform.web;

/**
 * The {@code detail} of a problem that the servlet container, not our code, decided on: it comes
 * with a status and at most a terse message of the container's, which this turns into a sentence a
 * client can act on.
 */
final class ErrorDetails {

    private ErrorDetails() {
    }

    /**
     * @param containerMessage the message Tomcat passed to {@code sendError} (e.g. {@code Invalid URI}), or null;
     *                         appended to client errors only, a server error's message may say too much
     */
    static String describe(int status, String containerMessage) {
        String sentence = switch (status) {
            case 400 -> "The request is malformed or its URL is not allowed (an encoded slash or backslash, an invalid"
                    + " %-escape, a null byte, a path above the root, or an invalid request line or header)";
            case 401 -> "Authentication is required";
            case 403 -> "The request is not allowed";
            case 404 -> "There is nothing at this path";
            case 405 -> "The method is not allowed for this path";
            case 408 -> "The request was not received in time";
            case 413 -> "The request is too large";
            case 414 -> "The request URL is too long";
            case 415 -> "The request's Content-Type is not supported here";
            case 431 -> "The request headers are too large";
            case 501 -> "The server does not implement what the request asks for (its method or its Transfer-Encoding)";
            case 503 -> "The service is unavailable; try again later";
            case 505 -> "The HTTP version is not supported; use HTTP/1.1";
            default -> status >= 500
                    ? "The server failed to handle the request; the correlation id in X-Correlation-Id identifies it in the logs."
                    : "The request failed with status " + status;
        };
        boolean addMessage = status < 500 && containerMessage != null && !containerMessage.isBlank();
        return addMessage ? sentence + ": " + containerMessage : sentence;
    }
}
