package io.picflow.events.downloads;

/** Something that happened to one image download; every event of the download lifecycle is one. */
public interface DownloadEvent {

    /** The download (the {@code ImageDownload} aggregate) this event belongs to. */
    String downloadId();
}
