package io.picflow.command.downloads;

/** The states of an {@link ImageDownload}; the lifecycle issue adds the transitions beyond REQUESTED. */
public enum DownloadStatus {
    REQUESTED
}
