package io.picflow.command.downloads;

/** Why the aggregate refused a user's command; the REST layer maps them to 404 and 409. */
public final class DownloadExceptions {

    private DownloadExceptions() {
    }

    /** Unknown, or owned by someone else (we do not reveal which). */
    public static class DownloadNotFound extends RuntimeException {
        public DownloadNotFound(String downloadId) {
            super("No download " + downloadId);
        }
    }

    /** The download's state does not allow the transition (pausing a completed download, ...). */
    public static class TransitionNotAllowed extends RuntimeException {
        public TransitionNotAllowed(String message) {
            super(message);
        }
    }
}
