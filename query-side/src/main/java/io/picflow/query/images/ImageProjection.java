package io.picflow.query.images;

import io.picflow.events.downloads.ImageStored;
import io.picflow.query.ReadModelUpdates;
import java.time.Instant;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.stereotype.Component;

/** Projects stored images into the image library read model (processing group "images"). */
@Component
@ProcessingGroup(ImageProjection.PROCESSING_GROUP)
class ImageProjection {

    static final String PROCESSING_GROUP = "images";

    private final ImageReadModel images;
    private final ReadModelUpdates updates;

    ImageProjection(ImageReadModel images, ReadModelUpdates updates) {
        this.images = images;
        this.updates = updates;
    }

    @EventHandler
    void on(ImageStored event, @Timestamp Instant at) {
        images.recordStored(new ImageView(event.imageId(), event.format(), event.contentType(), event.width(), event.height(),
                event.bytes(), event.sha256(), List.of(event.sourceUrl()), at, 0), event.downloadId(), event.sourceUrl(),
                event.requestedBy(), at);
        updates.signalAfterCommit();
    }
}
