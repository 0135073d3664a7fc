package io.picflow.command.downloads;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.FetchJob;
import io.picflow.command.downloads.fetch.FetchState;
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
import java.time.Clock;
import java.time.Instant;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Drives one download through its lifecycle: starts fetches, hands them to the worker, and waits out retry
 * delays, always under a persisted deadline, so that no waiting state depends on a message that may be lost:
 * <ul>
 *   <li>A <b>watchdog</b> per fetch. It first looks after {@code heartbeat-stale-after} (a node that died before
 *       publishing the fetch leaves nothing else to find it), then as the fetch's state says: a fetch queued behind
 *       the concurrency limits is looked at again later (queue time does not count), a running one is presumed
 *       stuck once it has <em>run</em> longer than {@code overall-timeout + watchdog-margin}, and a fetch nobody
 *       has (no worker here, no fresh heartbeat elsewhere) is expired at once, which retries it.</li>
 *   <li>A <b>start check</b> after a resume or a due retry: if no fetch has started within
 *       {@code heartbeat-stale-after} (the {@code StartImageFetch} failed, or its node died), it is sent again.
 *       Starting is idempotent in the aggregate, so a second start changes nothing.</li>
 * </ul>
 * It never throws for a business failure; the aggregate decides.
 *
 * <p>Resources are transient: only the fields below are stored with the saga.
 */
@Saga
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImageDownloadProcess {

    private static final Logger log = LoggerFactory.getLogger(ImageDownloadProcess.class);

    static final String RETRY = "retry";
    static final String WATCHDOG = "watchdog";
    static final String START_CHECK = "start-check";

    private String downloadId;
    private String url;
    private String requestedBy;
    private String watchdogId;
    private String retryId;
    private String startCheckId;
    /** The number of the download's latest fetch; 0 in a process saved before it was kept (then: any fetch). */
    private int fetch;

    @Autowired
    private transient CommandGateway commands;
    @Autowired
    private transient DeadlineManager deadlines;
    @Autowired
    private transient FetchWorker worker;
    @Autowired
    private transient DownloadsProperties properties;
    @Autowired
    private transient Clock clock;

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
        cancelStartCheck();
        cancelWatchdog();
        fetch = event.fetch();
        watchdogId = deadlines.schedule(properties.heartbeatStaleAfter(), WATCHDOG, new Watchdog(event.fetch(), 0));
        Object correlationId = message.getMetaData().getOrDefault(MetadataKeys.CORRELATION_ID, message.getIdentifier());
        worker.start(new FetchJob(downloadId, event.fetch(), url, correlationId.toString(), message.getIdentifier(),
                requestedBy));
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadRetryScheduled event) {
        cancelWatchdog();
        cancelRetry();
        cancelStartCheck();
        retryId = deadlines.schedule(event.dueAt(), RETRY);
    }

    @DeadlineHandler(deadlineName = RETRY)
    void retryDue() {
        retryId = null;
        startFetch();
    }

    @DeadlineHandler(deadlineName = START_CHECK)
    void startOverdue() {
        startCheckId = null;
        log.warn("Download {}: no fetch started within {} of a resume or retry; starting it again", downloadId,
                properties.heartbeatStaleAfter());
        startFetch();
    }

    /** The payload of a watchdog deadline: which fetch it guards, and how often it was re-armed. */
    record Watchdog(int fetch, int rearms) {
    }

    @DeadlineHandler(deadlineName = WATCHDOG)
    void watchdogExpired(Watchdog watchdog) {
        watchdogId = null;
        FetchState state = worker.stateOf(downloadId, watchdog.fetch());
        Instant now = clock.instant();
        Instant lookAgainAt = switch (state.phase()) {
            // Waiting for a slot is not being stuck: the cap counts running time only.
            case QUEUED -> now.plus(properties.watchdogTimeout());
            case RUNNING -> state.runningSince().plus(properties.watchdogTimeout());
            case LOST -> now;
        };
        if (lookAgainAt.isAfter(now)) {
            watchdogId = deadlines.schedule(lookAgainAt, WATCHDOG, new Watchdog(watchdog.fetch(), watchdog.rearms() + 1));
            return;
        }
        worker.pause(downloadId, watchdog.fetch());
        commands.send(new ExpireFetch(downloadId, watchdog.fetch()));
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadPaused event) {
        cancelWatchdog();
        cancelRetry();
        cancelStartCheck();
        worker.pause(downloadId, latestFetch());
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadResumed event) {
        startFetch();
    }

    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadFailed event) {
        // Kept alive: the user may retry a failed download.
        cancelWatchdog();
        cancelStartCheck();
        worker.discard(downloadId, latestFetch());
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadCompleted event) {
        cancelWatchdog();
        cancelStartCheck();
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "downloadId")
    void on(ImageDownloadCancelled event) {
        cancelWatchdog();
        cancelRetry();
        cancelStartCheck();
        worker.discard(downloadId, latestFetch());
    }

    /** The fetch a pause or cancel stops, wherever it runs: the latest one (an earlier one is stopped already). */
    private int latestFetch() {
        return fetch > 0 ? fetch : Integer.MAX_VALUE;
    }

    /** Sends the start under a start check: the outcome of the command is not left to chance. */
    private void startFetch() {
        cancelStartCheck();
        startCheckId = deadlines.schedule(properties.heartbeatStaleAfter(), START_CHECK);
        String download = downloadId;
        commands.send(new StartImageFetch(download)).whenComplete((result, failure) -> {
            if (failure != null) {
                log.warn("Download {}: starting a fetch failed ({}); the start check sends it again", download, failure.toString());
            }
        });
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

    private void cancelStartCheck() {
        if (startCheckId != null) {
            deadlines.cancelSchedule(START_CHECK, startCheckId);
            startCheckId = null;
        }
    }
}
