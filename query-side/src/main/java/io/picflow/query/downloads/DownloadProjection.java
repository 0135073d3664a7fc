package io.picflow.query.downloads;

import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.DownloadEvent;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.users.UserErased;
import io.picflow.query.BatchedWrites;
import io.picflow.query.ReadModelUpdates;
import java.time.Instant;
import java.util.function.Consumer;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.springframework.stereotype.Component;

/**
 * Projects download events into the {@code download} table. Every timestamp written comes from the
 * event, never from this clock, so that a rebuild reproduces the table exactly; each row remembers
 * the last event applied, so that a redelivered event changes nothing. Writes wait for the end of the
 * batch of events ({@link BatchedWrites}), folded per download ({@link DownloadBatch}).
 */
@Component
@ProcessingGroup(DownloadProjection.PROCESSING_GROUP)
class DownloadProjection {

    static final String PROCESSING_GROUP = "downloads";

    private final DownloadReadModel downloads;
    private final ReadModelUpdates updates;
    private final BatchedWrites writes;

    DownloadProjection(DownloadReadModel downloads, ReadModelUpdates updates, BatchedWrites writes) {
        this.downloads = downloads;
        this.updates = updates;
        this.writes = writes;
        writes.register(PROCESSING_GROUP);
    }

    @EventHandler
    void on(ImageDownloadRequested event, @Timestamp Instant occurredAt,
            @MetaDataValue(MetadataKeys.CORRELATION_ID) String correlationId) {
        DownloadView requested = DownloadView.requested(event.downloadId(), event.url(), event.fileName(), event.tags(),
                event.requestedBy(), correlationId, occurredAt);
        write(batch -> batch.requested(requested));
        updates.signalAfterCommit();
    }

    @EventHandler
    void on(DownloadEvent event, @SequenceNumber long sequence, @Timestamp Instant at) {
        DownloadChange change = DownloadChanges.of(event);
        if (change != null) {
            write(batch -> batch.changed(event.downloadId(), sequence, at, change));
            updates.signalAfterCommit();
        }
    }

    /** The user's downloads go; later events of theirs find no row, and their requests are not inserted again. */
    @EventHandler
    void on(UserErased event) {
        downloads.erase(event.userId());
        updates.signalAfterCommit();
    }

    private void write(Consumer<DownloadBatch> change) {
        writes.add(PROCESSING_GROUP, DownloadBatch.class, () -> new DownloadBatch(downloads), change);
    }
}
