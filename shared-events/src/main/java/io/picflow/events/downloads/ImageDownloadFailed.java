package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The download failed for good: a permanent error, or a transient one after the last attempt.
 * A user may still retry it.
 *
 * @param errorCode a stable code clients can switch on (see {@link DownloadErrorCodes})
 * @param retryable whether the cause was transient (the attempts ran out) rather than permanent
 */
@Revision("1")
public record ImageDownloadFailed(String downloadId, String errorCode, String message, boolean retryable, int attempt) implements DownloadEvent {
}
