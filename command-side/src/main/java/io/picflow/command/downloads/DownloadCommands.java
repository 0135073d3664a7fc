package io.picflow.command.downloads;

import java.time.Duration;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * The commands an {@link ImageDownload} handles after its creation. Reports from the fetch worker
 * carry the number of the fetch they belong to: a late report of an abandoned fetch changes nothing.
 */
public final class DownloadCommands {

    private DownloadCommands() {
    }

    /** Start (or continue, after a resume or a scheduled retry) fetching. Sent by the process manager. */
    public record StartImageFetch(@TargetAggregateIdentifier String downloadId) {
    }

    public record RecordFetchProgress(@TargetAggregateIdentifier String downloadId, int fetch, long bytesReceived,
            Long totalBytes) {
    }

    public record RecordImageFetched(@TargetAggregateIdentifier String downloadId, int fetch, long bytes,
            String contentType, String sha256) {
    }

    public record RecordImageValidated(@TargetAggregateIdentifier String downloadId, int fetch, String format,
            int width, int height) {
    }

    public record RecordImageProcessed(@TargetAggregateIdentifier String downloadId, int fetch, int thumbnailWidth,
            int thumbnailHeight) {
    }

    public record RecordImageStored(@TargetAggregateIdentifier String downloadId, int fetch, String imageId,
            String sha256, long bytes, String format, String contentType, int width, int height) {
    }

    /**
     * The attempt failed. {@code retryAfter} is the server's Retry-After, when it sent one.
     */
    public record RecordFetchFailure(@TargetAggregateIdentifier String downloadId, int fetch, String errorCode,
            String message, boolean retryable, Duration retryAfter) {
    }

    /** The watchdog of a fetch fired: if that fetch is still running, its worker is presumed lost. */
    public record ExpireFetch(@TargetAggregateIdentifier String downloadId, int fetch) {
    }

    /** User controls; {@code userId}/{@code admin} say who asks, for the ownership check. */
    public record PauseImageDownload(@TargetAggregateIdentifier String downloadId, String userId, boolean admin) {
    }

    public record ResumeImageDownload(@TargetAggregateIdentifier String downloadId, String userId, boolean admin) {
    }

    /** {@code reason}: {@code USER} or {@code ERASURE} ({@link io.picflow.events.downloads.ImageDownloadCancelled}). */
    public record CancelImageDownload(@TargetAggregateIdentifier String downloadId, String userId, boolean admin,
            String reason) {
    }

    /**
     * Retention: a download that is still paused or failed is cancelled with reason {@code EXPIRED}; in any other
     * state (resumed or retried meanwhile) nothing happens. Sent by {@link UnfinishedDownloadExpiry}.
     */
    public record ExpireImageDownload(@TargetAggregateIdentifier String downloadId) {
    }

    public record RetryImageDownload(@TargetAggregateIdentifier String downloadId, String userId, boolean admin) {
    }
}
