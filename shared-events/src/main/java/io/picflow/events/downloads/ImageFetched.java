package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The whole body arrived.
 *
 * <p>Revision 2 renamed revision 1's {@code contentType} to {@code declaredContentType}: it is only what
 * the server claimed, and must not be mistaken for the image's type ({@link ImageStored#contentType()},
 * which follows from the format detected in the bytes). Stored revision 1 events are upcast by
 * {@code ImageFetchedUpcaster1To2} in {@code platform} (see docs/evolving-events.md).
 *
 * @param declaredContentType the server's Content-Type header, as sent, or null without one (the format is
 *                            decided from the bytes, see {@link ImageValidated})
 * @param sha256              hex SHA-256 of the bytes
 */
@Revision("2")
public record ImageFetched(String downloadId, int attempt, long bytes, String declaredContentType, String sha256)
        implements DownloadEvent {
}
