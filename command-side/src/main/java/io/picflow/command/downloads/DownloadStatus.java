package io.picflow.command.downloads;

import java.util.EnumSet;
import java.util.Set;

/** The states of an {@link ImageDownload}. */
public enum DownloadStatus {
    REQUESTED, FETCHING, VALIDATING, PROCESSING, STORING, COMPLETED, FAILED, RETRY_SCHEDULED, PAUSED, CANCELLED;

    /** States in which a fetch worker is (or should be) working on the current attempt. */
    static final Set<DownloadStatus> WORKING = EnumSet.of(FETCHING, VALIDATING, PROCESSING, STORING);

    boolean isWorking() {
        return WORKING.contains(this);
    }
}
