package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/** The image was decoded and its thumbnail made. */
@Revision("1")
public record ImageProcessed(String downloadId, int attempt, int thumbnailWidth, int thumbnailHeight) implements DownloadEvent {
}
