package io.picflow.events.downloads;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * A transient failure: attempt {@code attempt} will start at {@code dueAt}.
 *
 * @param attempt   the number of the coming attempt
 * @param errorCode why the previous attempt failed
 */
@Revision("1")
public record ImageDownloadRetryScheduled(String downloadId, int attempt, Instant dueAt, String errorCode, String message) implements DownloadEvent {
}
