package io.picflow.query.cache;

import io.picflow.query.downloads.DownloadView;
import io.picflow.query.images.StoredImage;
import java.util.Optional;
import java.util.OptionalLong;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
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
        return new KeyValueCache.Key<>("download:" + downloadId, true);
    }

    static KeyValueCache.Key<StoredImage> imageKey(String imageId) {
        return new KeyValueCache.Key<>("image:" + imageId, false);
    }

    static KeyValueCache.Key<CachedUser> userKey(String userId) {
        return new KeyValueCache.Key<>("user:" + userId, true);
    }

    private final KeyValueCache cache;
    private final EventProcessingConfiguration processing;
    private final EventStore eventStore;
    private volatile boolean caughtUp;
    /** The head of the event store the cache must reach to be served: taken at the first read, or at a reset. */
    private volatile OptionalLong catchUpTo;

    ReadCache(KeyValueCache cache, @Lazy EventProcessingConfiguration processing, @Lazy EventStore eventStore) {
        this.cache = cache;
        this.processing = processing;
        this.eventStore = eventStore;
    }

    /** The cache in service (a rebuild fills an {@link KeyValueCache#emptyCopy()} of it, then has it {@link KeyValueCache#adopt adopt} that). */
    public KeyValueCache live() {
        return cache;
    }

    public Optional<DownloadView> download(String downloadId) {
        return ready() ? cache.get(downloadKey(downloadId)).map(CachedDownload::view) : Optional.empty();
    }

    public Optional<StoredImage> image(String imageId) {
        return ready() ? cache.get(imageKey(imageId)) : Optional.empty();
    }

    public Optional<CachedUser> user(String userId) {
        return ready() ? cache.get(userKey(userId)) : Optional.empty();
    }

    /** The cache is being rebuilt from the first event: readers go to PostgreSQL until it has caught up again. */
    void rebuilding() {
        caughtUp = false;
        catchUpTo = null;
    }

    /**
     * Whether the cache's processor has reached the head of the event store as it was when first asked
     * (after this node started, or after the last rebuild).
     */
    public boolean ready() {
        if (!caughtUp) {
            if (catchUpTo == null) {
                TrackingToken head = eventStore.createHeadToken();
                catchUpTo = head == null ? OptionalLong.empty() : head.position();
            }
            long target = catchUpTo.orElse(-1);
            caughtUp = processing.eventProcessor(CacheProjection.PROCESSING_GROUP, StreamingEventProcessor.class)
                    .map(processor -> {
                        var status = processor.processingStatus();
                        return !status.isEmpty() && status.values().stream().allMatch(segment -> segment.isCaughtUp()
                                || segment.getCurrentPosition().orElse(-1) >= target);
                    })
                    .orElse(false);
        }
        return caughtUp;
    }
}
