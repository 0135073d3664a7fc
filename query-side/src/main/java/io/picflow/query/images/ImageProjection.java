package io.picflow.query.images;

import io.picflow.events.downloads.ImageStored;
import io.picflow.events.users.UserErased;
import io.picflow.query.BatchedWrites;
import io.picflow.query.ReadModelUpdates;
import io.picflow.query.SqlBatch;
import java.time.Instant;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Projects stored images into the image library read model (processing group "images"); the writes
 * wait for the end of the batch of events ({@link BatchedWrites}).
 */
@Component
@ProcessingGroup(ImageProjection.PROCESSING_GROUP)
class ImageProjection {

    static final String PROCESSING_GROUP = "images";

    private final ImageReadModel images;
    private final ReadModelUpdates updates;
    private final BatchedWrites writes;
    private final NamedParameterJdbcTemplate jdbc;

    ImageProjection(ImageReadModel images, ReadModelUpdates updates, BatchedWrites writes, NamedParameterJdbcTemplate jdbc) {
        this.images = images;
        this.updates = updates;
        this.writes = writes;
        this.jdbc = jdbc;
        writes.register(PROCESSING_GROUP);
    }

    @EventHandler
    void on(ImageStored event, @Timestamp Instant at) {
        StoredImage image = new StoredImage(event.imageId(), event.format(), event.contentType(), event.width(), event.height(),
                event.bytes(), event.sha256(), List.of(new StoredImage.Source(event.sourceUrl(), event.requestedBy())), at, 0);
        writes.add(PROCESSING_GROUP, SqlBatch.class, () -> new SqlBatch(jdbc),
                batch -> images.recordStored(batch, image, event.downloadId(), event.sourceUrl(), event.requestedBy(), at));
        updates.signalAfterCommit();
    }

    @EventHandler
    void on(UserErased event) {
        images.erase(event.userId());
        updates.signalAfterCommit();
    }
}
