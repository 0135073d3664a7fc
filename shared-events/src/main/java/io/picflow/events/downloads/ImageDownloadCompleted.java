package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/** The download is done: its image is stored as {@code imageId}. */
@Revision("1")
public record ImageDownloadCompleted(String downloadId, String imageId) implements DownloadEvent {
}
