package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/** The user paused the download; the partial file is kept so that a resume can continue it. */
@Revision("1")
public record ImageDownloadPaused(String downloadId, String pausedBy) implements DownloadEvent {
}
