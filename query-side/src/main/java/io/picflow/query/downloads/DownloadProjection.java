package io.picflow.query.downloads;

import io.picflow.events.MetadataKeys;
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
import io.picflow.query.ReadModelUpdates;
import java.time.Instant;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.springframework.stereotype.Component;

/**
 * Projects download events into the {@code download} table. Every timestamp written comes from the
 * event, never from this clock, so that a rebuild reproduces the table exactly; each row remembers
 * the last event applied, so that a redelivered event changes nothing.
 */
@Component
@ProcessingGroup(DownloadProjection.PROCESSING_GROUP)
class DownloadProjection {

    static final String PROCESSING_GROUP = "downloads";

    private final DownloadReadModel downloads;
    private final ReadModelUpdates updates;

    DownloadProjection(DownloadReadModel downloads, ReadModelUpdates updates) {
        this.downloads = downloads;
        this.updates = updates;
    }

    @EventHandler
    void on(ImageDownloadRequested event, @Timestamp Instant occurredAt,
            @MetaDataValue(MetadataKeys.CORRELATION_ID) String correlationId) {
        downloads.insertRequested(DownloadView.requested(event.downloadId(), event.url(), event.fileName(), event.tags(),
                event.requestedBy(), correlationId, occurredAt));
        updates.signalAfterCommit();
    }

    @EventHandler
    void on(ImageFetchStarted event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.FETCHING).withoutError()
                .set("attempt", event.attempt()).set("bytes_received", event.resumeFrom()));
    }

    @EventHandler
    void on(ImageFetchProgressed event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, new DownloadChange()
                .set("bytes_received", event.bytesReceived()).set("total_bytes", event.totalBytes()));
    }

    @EventHandler
    void on(ImageFetched event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.VALIDATING)
                .set("bytes_received", event.bytes()).set("total_bytes", event.bytes()));
    }

    @EventHandler
    void on(ImageValidated event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.PROCESSING));
    }

    @EventHandler
    void on(ImageProcessed event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.STORING));
    }

    @EventHandler
    void on(ImageStored event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, new DownloadChange().set("image_id", event.imageId()));
    }

    @EventHandler
    void on(ImageDownloadCompleted event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.COMPLETED).withoutError());
    }

    @EventHandler
    void on(ImageDownloadFailed event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.FAILED)
                .withError(event.errorCode(), event.message(), event.retryable()).set("attempt", event.attempt())
                .set("next_attempt_at", null));
    }

    @EventHandler
    void on(ImageDownloadRetryScheduled event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.RETRY_SCHEDULED)
                .withError(event.errorCode(), event.message(), true).set("next_attempt_at", event.dueAt()));
    }

    @EventHandler
    void on(ImageDownloadPaused event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.PAUSED).set("next_attempt_at", null));
    }

    @EventHandler
    void on(ImageDownloadResumed event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.REQUESTED).withoutError());
    }

    @EventHandler
    void on(ImageDownloadCancelled event, @SequenceNumber long sequence, @Timestamp Instant at) {
        change(event.downloadId(), sequence, at, DownloadChange.status(DownloadStatus.CANCELLED).set("next_attempt_at", null));
    }

    private void change(String downloadId, long sequence, Instant at, DownloadChange change) {
        downloads.apply(downloadId, sequence, at, change);
        updates.signalAfterCommit();
    }
}
