package io.picflow.query.downloads;

/** The statuses a download shows to readers (the query side's view of the lifecycle). */
public enum DownloadStatus {
    REQUESTED, FETCHING, VALIDATING, PROCESSING, STORING, COMPLETED, FAILED, RETRY_SCHEDULED, PAUSED, CANCELLED
}
