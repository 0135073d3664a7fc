package io.picflow.events.downloads;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A user asked for the image at {@code url} to be downloaded into the library.
 *
 * <p>Carries everything the read side needs to show the request (event-carried state). The time of
 * the request is the event's own timestamp, and correlation/causation ids travel in its metadata.
 *
 * @param downloadId  the id of the download (the {@code ImageDownload} aggregate)
 * @param url         the absolute http(s) URL to fetch
 * @param fileName    a display name chosen by the user; metadata only, never a storage path (may be null)
 * @param tags        the user's tags, possibly empty
 * @param requestedBy the user who asked (the token's subject)
 */
@Revision("1")
public record ImageDownloadRequested(
        String downloadId, String url, String fileName, List<String> tags, String requestedBy) implements DownloadEvent {

    public ImageDownloadRequested {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
