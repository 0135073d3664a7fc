package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The whole body arrived.
 *
 * @param contentType the server's Content-Type header, as sent (the format is decided from the bytes)
 * @param sha256      hex SHA-256 of the bytes
 */
@Revision("1")
public record ImageFetched(String downloadId, int attempt, long bytes, String contentType, String sha256) implements DownloadEvent {
}
