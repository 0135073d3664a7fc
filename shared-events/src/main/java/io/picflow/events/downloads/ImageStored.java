package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The image is in the library. Identical bytes share one {@code imageId} (content addressing), so
 * several downloads may store the same image. Carries what the image read model needs.
 *
 * @param imageId   the library id of the image (derived from its SHA-256)
 * @param sourceUrl the URL this download fetched it from
 */
@Revision("1")
public record ImageStored(String downloadId, String imageId, String sha256, long bytes, String format,
        String contentType, int width, int height, String sourceUrl, String fileName, java.util.List<String> tags,
        String requestedBy) implements DownloadEvent {

    public ImageStored {
        tags = tags == null ? java.util.List.of() : java.util.List.copyOf(tags);
    }
}
