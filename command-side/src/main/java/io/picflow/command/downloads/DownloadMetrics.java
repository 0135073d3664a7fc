package io.picflow.command.downloads;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.stereotype.Component;

/**
 * Download metrics from the events as this node publishes them: outcomes by error code, retries,
 * and the time from request to completion (from event timestamps). A subscribing processor, so
 * every outcome is counted once, on the node whose command produced it.
 */
@Component
@ProcessingGroup("download-metrics")
class DownloadMetrics {

    private final MeterRegistry meters;
    private final Timer requestToCompletion;
    private final Map<String, Instant> requestedAt = new ConcurrentHashMap<>();

    DownloadMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.requestToCompletion = Timer.builder("picflow.downloads.completion.time")
                .description("Time from a download's request to its completion")
                .publishPercentileHistogram()
                .register(meters);
    }

    @EventHandler
    void on(ImageDownloadRequested event, @Timestamp Instant at) {
        requestedAt.put(event.downloadId(), at);
    }

    @EventHandler
    void on(ImageDownloadRetryScheduled event) {
        meters.counter("picflow.downloads.retries", "code", event.errorCode()).increment();
    }

    @EventHandler
    void on(ImageDownloadCompleted event, @Timestamp Instant at) {
        meters.counter("picflow.downloads.outcomes", "outcome", "completed", "code", "none").increment();
        Instant requested = requestedAt.remove(event.downloadId());
        if (requested != null) {
            requestToCompletion.record(Duration.between(requested, at));
        }
    }

    @EventHandler
    void on(ImageDownloadFailed event) {
        requestedAt.remove(event.downloadId());
        meters.counter("picflow.downloads.outcomes", "outcome", "failed", "code", event.errorCode()).increment();
    }

    @EventHandler
    void on(ImageDownloadCancelled event) {
        requestedAt.remove(event.downloadId());
        meters.counter("picflow.downloads.outcomes", "outcome", "cancelled", "code", "none").increment();
    }
}
