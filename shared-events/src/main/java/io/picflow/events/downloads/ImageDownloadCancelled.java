package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/** The user cancelled the download; partial data is deleted. Final. */
@Revision("1")
public record ImageDownloadCancelled(String downloadId, String cancelledBy) implements DownloadEvent {
}
