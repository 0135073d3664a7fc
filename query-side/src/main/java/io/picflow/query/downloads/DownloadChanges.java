package io.picflow.query.downloads;

import io.picflow.events.downloads.DownloadEvent;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageProcessed;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.downloads.ImageValidated;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How each download event after the request changes a download: the one place that knows it, shared
 * by every projection that keeps download state (the {@code download} table, the live feed).
 */
public final class DownloadChanges {

    /** Every download event, by the simple name clients know it by. */
    public static final Set<String> EVENT_TYPES = List.of(ImageDownloadRequested.class, ImageFetchStarted.class,
                    ImageFetchProgressed.class, ImageFetched.class, ImageValidated.class, ImageProcessed.class,
                    ImageStored.class, ImageDownloadCompleted.class, ImageDownloadFailed.class,
                    ImageDownloadRetryScheduled.class, ImageDownloadPaused.class, ImageDownloadResumed.class,
                    ImageDownloadCancelled.class).stream()
            .map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());

    private DownloadChanges() {
    }

    /** The change {@code event} makes, or null for the request itself (which creates the download rather than changing it). */
    public static DownloadChange of(DownloadEvent event) {
        if (event instanceof ImageFetchStarted e) {
            return DownloadChange.status(DownloadStatus.FETCHING).withoutError()
                    .set("attempt", e.attempt()).set("bytes_received", e.resumeFrom());
        } else if (event instanceof ImageFetchProgressed e) {
            return new DownloadChange().set("bytes_received", e.bytesReceived()).set("total_bytes", e.totalBytes());
        } else if (event instanceof ImageFetched e) {
            return DownloadChange.status(DownloadStatus.VALIDATING).set("bytes_received", e.bytes()).set("total_bytes", e.bytes());
        } else if (event instanceof ImageValidated) {
            return DownloadChange.status(DownloadStatus.PROCESSING);
        } else if (event instanceof ImageProcessed) {
            return DownloadChange.status(DownloadStatus.STORING);
        } else if (event instanceof ImageStored e) {
            return new DownloadChange().set("image_id", e.imageId());
        } else if (event instanceof ImageDownloadCompleted) {
            return DownloadChange.status(DownloadStatus.COMPLETED).withoutError();
        } else if (event instanceof ImageDownloadFailed e) {
            return DownloadChange.status(DownloadStatus.FAILED).withError(e.errorCode(), e.message(), e.retryable())
                    .set("attempt", e.attempt()).set("next_attempt_at", null);
        } else if (event instanceof ImageDownloadRetryScheduled e) {
            return DownloadChange.status(DownloadStatus.RETRY_SCHEDULED).withError(e.errorCode(), e.message(), true)
                    .set("next_attempt_at", e.dueAt());
        } else if (event instanceof ImageDownloadPaused) {
            return DownloadChange.status(DownloadStatus.PAUSED).set("next_attempt_at", null);
        } else if (event instanceof ImageDownloadResumed) {
            return DownloadChange.status(DownloadStatus.REQUESTED).withoutError();
        } else if (event instanceof ImageDownloadCancelled) {
            return DownloadChange.status(DownloadStatus.CANCELLED).set("next_attempt_at", null);
        }
        return null;
    }
}
