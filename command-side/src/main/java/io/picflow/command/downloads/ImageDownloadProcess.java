package io.picflow.command.downloads;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.FetchJob;
import io.picflow.command.downloads.fetch.FetchWorker;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchStarted;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Drives one download through its lifecycle: starts fetches, hands them to the worker, arms a
 * watchdog per fetch (a persisted deadline: if the process dies mid-fetch, the deadline fires on
 * whichever node runs next and the download is retried), and waits out retry delays with
 * persisted deadlines too. It never throws for a business failure; the aggregate decides.
 *
 * <p>Resources are transient: only the fields below are stored with the saga.
 */
@Saga
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImageDownloadProcess {

    static final String RETRY = "retry";
    static final String WATCHDOG = "watchdog";

    private String downloadId;
    private String url;
    private String requestedBy;
    private String watchdogId;
    private String retryId;

    @Autowired
    private transient CommandGateway commands;
    @Autowired
    private transient DeadlineManager deadlines;
    @Autowired
    private transient FetchWorker worker;
    @Autowired
    private transient DownloadsProperties properties;

    /** The request has started the first fetch itself ({@link ImageFetchStarted} follows): nothing to send. */
    @StartSaga
    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadRequested event) {
        this.downloadId = event.downloadId();
        this.url = event.url();
        this.requestedBy = event.requestedBy();
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageFetchStarted event, EventMessage<?> message) {
        cancelWatchdog();
        watchdogId = deadlines.schedule(properties.watchdogTimeout(), WATCHDOG, new Watchdog(event.fetch(), 0));
        Object correlationId = message.getMetaData().getOrDefault(MetadataKeys.CORRELATION_ID, message.getIdentifier());
        worker.start(new FetchJob(downloadId, event.fetch(), url, correlationId.toString(), message.getIdentifier(),
                requestedBy));
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadRetryScheduled event) {
        cancelWatchdog();
        cancelRetry();
        retryId = deadlines.schedule(event.dueAt(), RETRY);
    }

    @DeadlineHandler(deadlineName = RETRY)
    void retryDue() {
        retryId = null;
        commands.send(new StartImageFetch(downloadId));
    }

    /** The payload of a watchdog deadline: which fetch it guards, and how often it was re-armed. */
    record Watchdog(int fetch, int rearms) {
    }

    /** A fetch that is still "working" after this many watchdog periods is presumed stuck all the same. */
    static final int MAX_WATCHDOG_REARMS = 5;

    @DeadlineHandler(deadlineName = WATCHDOG)
    void watchdogExpired(Watchdog watchdog) {
        watchdogId = null;
        if (watchdog.rearms() < MAX_WATCHDOG_REARMS && worker.isWorkingOn(downloadId, watchdog.fetch())) {
            // Still queued behind the concurrency limits, or still working: not lost. Look again later.
            watchdogId = deadlines.schedule(properties.watchdogTimeout(), WATCHDOG,
                    new Watchdog(watchdog.fetch(), watchdog.rearms() + 1));
            return;
        }
        worker.pause(downloadId);
        commands.send(new ExpireFetch(downloadId, watchdog.fetch()));
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadPaused event) {
        cancelWatchdog();
        cancelRetry();
        worker.pause(downloadId);
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadResumed event) {
        commands.send(new StartImageFetch(downloadId));
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadFailed event) {
        // Kept alive: the user may retry a failed download.
        cancelWatchdog();
        worker.discard(downloadId);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadCompleted event) {
        cancelWatchdog();
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadCancelled event) {
        cancelWatchdog();
        cancelRetry();
        worker.discard(downloadId);
    }

    private void cancelWatchdog() {
        if (watchdogId != null) {
            deadlines.cancelSchedule(WATCHDOG, watchdogId);
            watchdogId = null;
        }
    }

    private void cancelRetry() {
        if (retryId != null) {
            deadlines.cancelSchedule(RETRY, retryId);
            retryId = null;
        }
    }

}
