package io.picflow.command.downloads;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.downloads.DownloadCommands.CancelImageDownload;
import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.ExpireImageDownload;
import io.picflow.command.downloads.DownloadCommands.PauseImageDownload;
import io.picflow.command.downloads.DownloadCommands.RecordFetchFailure;
import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.command.downloads.DownloadCommands.RecordImageFetched;
import io.picflow.command.downloads.DownloadCommands.RecordImageProcessed;
import io.picflow.command.downloads.DownloadCommands.RecordImageStored;
import io.picflow.command.downloads.DownloadCommands.RecordImageValidated;
import io.picflow.command.downloads.DownloadCommands.ResumeImageDownload;
import io.picflow.command.downloads.DownloadCommands.RetryImageDownload;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.DownloadExceptions.DownloadNotFound;
import io.picflow.command.downloads.DownloadExceptions.TransitionNotAllowed;
import io.picflow.events.downloads.DownloadErrorCodes;
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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * One image download: owns its state machine and decides which transitions are allowed. The
 * process manager drives it; the fetch worker reports to it. Reports that belong to an attempt that
 * is no longer current (a late report after a pause, a watchdog or a retry) are ignored, which is
 * what makes a crashed or duplicated worker harmless.
 *
 * <p>Fields are visible to Jackson because snapshots serialize the aggregate itself.
 */
@Aggregate(snapshotTriggerDefinition = "imageDownloadSnapshotTrigger")
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImageDownload {

    @AggregateIdentifier
    private String downloadId;
    private String url;
    private String fileName;
    private List<String> tags;
    private String requestedBy;
    private DownloadStatus status;
    /** The current attempt (1-based); 0 before the first fetch. */
    private int attempt;
    /** The first attempt of the current retry budget (a user's retry starts a new budget). */
    private int budgetStart = 1;
    /** How many fetches were started (attempts and resumes); identifies the running one. */
    private int fetch;
    private long bytesReceived;
    private String imageId;

    protected ImageDownload() {
        // for Axon and Jackson
    }

    /**
     * A request starts its first fetch at once: the process manager then hands the fetch to the worker on
     * seeing both events together, instead of a round trip through it (a command, an event and another
     * turn of its processor) before the first byte is asked for (ADR 0010).
     */
    @CommandHandler
    public ImageDownload(RequestImageDownload command) {
        apply(new ImageDownloadRequested(command.downloadId(), command.url(), command.fileName(), command.tags(),
                command.requestedBy()));
        apply(new ImageFetchStarted(command.downloadId(), 1, 1, 0));
    }

    @CommandHandler
    void handle(StartImageFetch command) {
        switch (status) {
            case REQUESTED -> apply(new ImageFetchStarted(downloadId, Math.max(attempt, 1), fetch + 1, bytesReceived));
            case RETRY_SCHEDULED -> apply(new ImageFetchStarted(downloadId, attempt, fetch + 1, 0));
            default -> {
                // Paused, cancelled, already fetching, done: a late deadline or duplicate start changes nothing.
            }
        }
    }

    @CommandHandler
    void handle(RecordFetchProgress command) {
        if (isCurrent(command.fetch()) && status == DownloadStatus.FETCHING && command.bytesReceived() > bytesReceived) {
            apply(new ImageFetchProgressed(downloadId, attempt, command.bytesReceived(), command.totalBytes()));
        }
    }

    @CommandHandler
    void handle(RecordImageFetched command) {
        if (isCurrent(command.fetch()) && status == DownloadStatus.FETCHING) {
            apply(new ImageFetched(downloadId, attempt, command.bytes(), command.contentType(), command.sha256()));
        }
    }

    @CommandHandler
    void handle(RecordImageValidated command) {
        if (isCurrent(command.fetch()) && status == DownloadStatus.VALIDATING) {
            apply(new ImageValidated(downloadId, attempt, command.format(), command.width(), command.height()));
        }
    }

    @CommandHandler
    void handle(RecordImageProcessed command) {
        if (isCurrent(command.fetch()) && status == DownloadStatus.PROCESSING) {
            apply(new ImageProcessed(downloadId, attempt, command.thumbnailWidth(), command.thumbnailHeight()));
        }
    }

    @CommandHandler
    void handle(RecordImageStored command) {
        if (isCurrent(command.fetch()) && status == DownloadStatus.STORING) {
            apply(new ImageStored(downloadId, command.imageId(), command.sha256(), command.bytes(), command.format(),
                    command.contentType(), command.width(), command.height(), url, fileName, tags, requestedBy));
            apply(new ImageDownloadCompleted(downloadId, command.imageId()));
        }
    }

    @CommandHandler
    void handle(RecordFetchFailure command, RetryPolicy retryPolicy, Clock clock) {
        if (isCurrent(command.fetch()) && status.isWorking()) {
            fail(command.errorCode(), command.message(), command.retryable(), command.retryAfter(), retryPolicy, clock);
        }
    }

    @CommandHandler
    void handle(ExpireFetch command, RetryPolicy retryPolicy, Clock clock) {
        if (isCurrent(command.fetch()) && status.isWorking()) {
            fail(DownloadErrorCodes.WORKER_LOST, "Attempt " + attempt + " did not finish in time",
                    true, null, retryPolicy, clock);
        }
    }

    private void fail(String code, String message, boolean retryable, Duration retryAfter, RetryPolicy policy, Clock clock) {
        int attemptsInBudget = attempt - budgetStart + 1;
        if (retryable && policy.allowsAnotherAttempt(attemptsInBudget)) {
            int next = attempt + 1;
            apply(new ImageDownloadRetryScheduled(downloadId, next, clock.instant().plus(policy.delayBefore(
                    next - budgetStart + 1, retryAfter)), code, message));
        } else {
            apply(new ImageDownloadFailed(downloadId, code, message, retryable, attempt));
        }
    }

    @CommandHandler
    void handle(PauseImageDownload command) {
        requireVisibleTo(command.userId(), command.admin());
        switch (status) {
            case REQUESTED, FETCHING, RETRY_SCHEDULED -> apply(new ImageDownloadPaused(downloadId, command.userId()));
            case PAUSED -> {
                // already paused: accepted, nothing new
            }
            default -> throw new TransitionNotAllowed("A download that is " + status + " cannot be paused");
        }
    }

    @CommandHandler
    void handle(ResumeImageDownload command) {
        requireVisibleTo(command.userId(), command.admin());
        if (status != DownloadStatus.PAUSED) {
            throw new TransitionNotAllowed("Only a paused download can be resumed; this one is " + status);
        }
        apply(new ImageDownloadResumed(downloadId, command.userId()));
    }

    @CommandHandler
    void handle(CancelImageDownload command) {
        requireVisibleTo(command.userId(), command.admin());
        switch (status) {
            case COMPLETED -> throw new TransitionNotAllowed("A completed download cannot be cancelled");
            case CANCELLED -> {
                // already cancelled: accepted, nothing new
            }
            default -> apply(new ImageDownloadCancelled(downloadId, command.userId(), command.reason()));
        }
    }

    @CommandHandler
    void handle(ExpireImageDownload command) {
        if (status == DownloadStatus.PAUSED || status == DownloadStatus.FAILED) {
            apply(new ImageDownloadCancelled(downloadId, ImageDownloadCancelled.SYSTEM, ImageDownloadCancelled.EXPIRED));
        }
    }

    @CommandHandler
    void handle(RetryImageDownload command, Clock clock) {
        requireVisibleTo(command.userId(), command.admin());
        if (status != DownloadStatus.FAILED) {
            throw new TransitionNotAllowed("Only a failed download can be retried; this one is " + status);
        }
        apply(new ImageDownloadRetryScheduled(downloadId, attempt + 1, clock.instant(), DownloadErrorCodes.USER_RETRY,
                "Retried by " + command.userId()));
    }

    private boolean isCurrent(int reportedFetch) {
        return reportedFetch == fetch;
    }

    private void requireVisibleTo(String userId, boolean admin) {
        if (!admin && !requestedBy.equals(userId)) {
            throw new DownloadNotFound(downloadId);
        }
    }

    @EventSourcingHandler
    void on(ImageDownloadRequested event) {
        this.downloadId = event.downloadId();
        this.url = event.url();
        this.fileName = event.fileName();
        this.tags = event.tags();
        this.requestedBy = event.requestedBy();
        this.status = DownloadStatus.REQUESTED;
    }

    @EventSourcingHandler
    void on(ImageFetchStarted event) {
        this.attempt = event.attempt();
        this.fetch = event.fetch();
        this.bytesReceived = event.resumeFrom();
        this.status = DownloadStatus.FETCHING;
    }

    @EventSourcingHandler
    void on(ImageFetchProgressed event) {
        this.bytesReceived = event.bytesReceived();
    }

    @EventSourcingHandler
    void on(ImageFetched event) {
        this.bytesReceived = event.bytes();
        this.status = DownloadStatus.VALIDATING;
    }

    @EventSourcingHandler
    void on(ImageValidated event) {
        this.status = DownloadStatus.PROCESSING;
    }

    @EventSourcingHandler
    void on(ImageProcessed event) {
        this.status = DownloadStatus.STORING;
    }

    @EventSourcingHandler
    void on(ImageStored event) {
        this.imageId = event.imageId();
    }

    @EventSourcingHandler
    void on(ImageDownloadCompleted event) {
        this.status = DownloadStatus.COMPLETED;
    }

    @EventSourcingHandler
    void on(ImageDownloadRetryScheduled event) {
        if (DownloadErrorCodes.USER_RETRY.equals(event.errorCode())) {
            this.budgetStart = event.attempt();
        }
        this.attempt = event.attempt();
        this.bytesReceived = 0;
        this.status = DownloadStatus.RETRY_SCHEDULED;
    }

    @EventSourcingHandler
    void on(ImageDownloadFailed event) {
        this.status = DownloadStatus.FAILED;
    }

    @EventSourcingHandler
    void on(ImageDownloadPaused event) {
        this.status = DownloadStatus.PAUSED;
    }

    @EventSourcingHandler
    void on(ImageDownloadResumed event) {
        // Continue the same attempt from the bytes already received.
        this.status = DownloadStatus.REQUESTED;
    }

    @EventSourcingHandler
    void on(ImageDownloadCancelled event) {
        this.status = DownloadStatus.CANCELLED;
    }

    DownloadStatus status() {
        return status;
    }

    String requestedBy() {
        return requestedBy;
    }

}
