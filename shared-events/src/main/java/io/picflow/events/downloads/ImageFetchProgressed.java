package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * Bytes arrived. Emitted at most once per 5 % step and at most once per second per download.
 *
 * @param totalBytes the expected size when the server announced it, else null
 */
@Revision("1")
public record ImageFetchProgressed(String downloadId, int attempt, long bytesReceived, Long totalBytes) implements DownloadEvent {
}
