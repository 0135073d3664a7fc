package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/** The user resumed a paused download. */
@Revision("1")
public record ImageDownloadResumed(String downloadId, String resumedBy) implements DownloadEvent {
}
