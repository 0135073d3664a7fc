package io.picflow.query.cache;

import io.picflow.query.downloads.DownloadView;
import io.picflow.query.images.ImageView;
import java.util.Optional;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * What the query endpoints read from the cache: downloads by id, images (with their favorite count)
 * and users (with their favorite counts). Empty means "ask PostgreSQL": the entry is not cached, or
 * the cache is still being rebuilt from the first event after this node started (until then it would
 * show the past, not a slightly stale present).
 */
@Component
public class ReadCache {

    /** A download and the sequence number of its last event applied. */
    record CachedDownload(DownloadView view, long version) {
    }

    static KeyValueCache.Key<CachedDownload> downloadKey(String downloadId) {
        return new KeyValueCache.Key<>("download:" + downloadId);
    }

    static KeyValueCache.Key<ImageView> imageKey(String imageId) {
        return new KeyValueCache.Key<>("image:" + imageId);
    }

    static KeyValueCache.Key<CachedUser> userKey(String userId) {
        return new KeyValueCache.Key<>("user:" + userId);
    }

    private final KeyValueCache cache;
    private final EventProcessingConfiguration processing;
    private volatile boolean caughtUp;

    ReadCache(KeyValueCache cache, @Lazy EventProcessingConfiguration processing) {
        this.cache = cache;
        this.processing = processing;
    }

    public Optional<DownloadView> download(String downloadId) {
        return ready() ? cache.get(downloadKey(downloadId)).map(CachedDownload::view) : Optional.empty();
    }

    public Optional<ImageView> image(String imageId) {
        return ready() ? cache.get(imageKey(imageId)) : Optional.empty();
    }

    public Optional<CachedUser> user(String userId) {
        return ready() ? cache.get(userKey(userId)) : Optional.empty();
    }

    /** Whether the cache's processor has reached the head of the event store once since this node started. */
    public boolean ready() {
        if (!caughtUp) {
            caughtUp = processing.eventProcessor(CacheProjection.PROCESSING_GROUP, StreamingEventProcessor.class)
                    .map(processor -> {
                        var status = processor.processingStatus();
                        return !status.isEmpty() && status.values().stream().allMatch(EventTrackerStatus::isCaughtUp);
                    })
                    .orElse(false);
        }
        return caughtUp;
    }
}
