package io.picflow.query.cache;

import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.DownloadEvent;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.MutualFavoriteDissolved;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserUnfavorited;
import io.picflow.events.users.UserErased;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.privacy.PersonalData;
import io.picflow.query.ReadModelUpdates;
import io.picflow.query.WriteTargets;
import io.picflow.query.cache.ReadCache.CachedDownload;
import io.picflow.query.downloads.DownloadChange;
import io.picflow.query.downloads.DownloadChanges;
import io.picflow.query.downloads.DownloadView;
import io.picflow.query.favorites.FavoriteCounts;
import io.picflow.query.images.StoredImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps the cache ({@link KeyValueCache}) from the events (processing group {@code cache}). Its tokens
 * and dead letters live in this node's memory, so every start rebuilds it from the first event; one
 * segment applies the events in the store's order, because an entry can be changed by several
 * aggregates (an image by its downloads and by everyone's favorites). Changes wait for the batch's
 * commit, so a batch that fails and is retried is not counted twice.
 */
@Component
@ProcessingGroup(CacheProjection.PROCESSING_GROUP)
class CacheProjection {

    static final String PROCESSING_GROUP = "cache";

    private static final Logger log = LoggerFactory.getLogger(CacheProjection.class);

    private final ReadCache readCache;
    private final ReadModelUpdates updates;
    private final PersonalData personalData;
    /**
     * The users erased so far in the history this cache was built from (one segment, in the store's order, from the
     * first event: the set is complete). Events of theirs that come after their erasure (a download that finishes
     * after it) change nothing here.
     */
    private final Set<String> erased = ConcurrentHashMap.newKeySet();

    CacheProjection(ReadCache readCache, ReadModelUpdates updates, PersonalData personalData) {
        this.readCache = readCache;
        this.updates = updates;
        this.personalData = personalData;
    }

    @EventHandler
    void on(ImageDownloadRequested event, @Timestamp Instant at, @MetaDataValue(MetadataKeys.CORRELATION_ID) String correlationId) {
        if (erased.contains(event.requestedBy())) {
            return;
        }
        DownloadView requested = DownloadView.requested(event.downloadId(), event.url(), event.fileName(), event.tags(),
                event.requestedBy(), correlationId, at);
        var key = ReadCache.downloadKey(event.downloadId());
        afterCommit(cache -> cache.create(key, new CachedDownload(requested, 0)), key);
    }

    @EventHandler
    void on(DownloadEvent event, @SequenceNumber long sequence, @Timestamp Instant at) {
        DownloadChange change = DownloadChanges.of(event);
        if (change != null) {
            var key = ReadCache.downloadKey(event.downloadId());
            afterCommit(cache -> cache.update(key, cached -> cached.version() >= sequence
                    ? cached : new CachedDownload(cached.view().with(change, at), sequence)), key);
        }
        if (event instanceof ImageStored stored && !erased.contains(stored.requestedBy())) {
            afterCommit(cache -> stored(cache, stored, at), ReadCache.imageKey(stored.imageId()));
        }
    }

    /**
     * The first download of an image creates its entry; later ones (identical bytes from elsewhere) add their
     * URL with its requester (each caller sees only some of them). The image counts as stored when it first
     * was, as in PostgreSQL, whatever order two downloads commit in.
     */
    private static void stored(KeyValueCache cache, ImageStored event, Instant at) {
        StoredImage.Source source = new StoredImage.Source(event.sourceUrl(), event.requestedBy());
        boolean known = cache.update(ReadCache.imageKey(event.imageId()), image -> image.withSource(source, at));
        if (!known) {
            cache.create(ReadCache.imageKey(event.imageId()), new StoredImage(event.imageId(), event.format(), event.contentType(),
                    event.width(), event.height(), event.bytes(), event.sha256(), List.of(source), at, 0));
        }
    }

    @EventHandler
    void on(UserRegistered event, @Timestamp Instant at) {
        String displayName = personalData.openOrNull(event.userId(), event.displayName());
        if (displayName == null || erased.contains(event.userId())) {
            return; // the user's key is erased: so is the user
        }
        var key = ReadCache.userKey(event.userId());
        afterCommit(cache -> cache.create(key, new CachedUser(event.userId(), displayName, at, FavoriteCounts.NONE)), key);
    }

    /** The user's profile and downloads leave the cache (and are not created again), and so do their images' sources. */
    @EventHandler
    void on(UserErased event) {
        String userId = event.userId();
        erased.add(userId);
        var userKey = ReadCache.userKey(userId);
        afterCommit(cache -> {
            cache.forget(userKey);
            cache.changeAll((key, value) -> {
                if (value instanceof CachedDownload download && userId.equals(download.view().requestedBy())) {
                    return null;
                }
                return value instanceof StoredImage image ? image.withoutSourcesOf(userId) : value;
            });
        }, userKey);
    }

    @EventHandler
    void on(UserFavorited event) {
        afterCommit(cache -> {
            counts(cache, event.actorId(), counts -> counts.plusFavorites(1));
            counts(cache, event.targetId(), counts -> counts.plusFavoritedBy(1));
        }, ReadCache.userKey(event.actorId()), ReadCache.userKey(event.targetId()));
    }

    @EventHandler
    void on(UserUnfavorited event) {
        afterCommit(cache -> {
            counts(cache, event.actorId(), counts -> counts.plusFavorites(-1));
            counts(cache, event.targetId(), counts -> counts.plusFavoritedBy(-1));
        }, ReadCache.userKey(event.actorId()), ReadCache.userKey(event.targetId()));
    }

    @EventHandler
    void on(MutualFavoriteFormed event) {
        afterCommit(cache -> {
            counts(cache, event.userA(), counts -> counts.plusMutuals(1));
            counts(cache, event.userB(), counts -> counts.plusMutuals(1));
        }, ReadCache.userKey(event.userA()), ReadCache.userKey(event.userB()));
    }

    @EventHandler
    void on(MutualFavoriteDissolved event) {
        afterCommit(cache -> {
            counts(cache, event.userA(), counts -> counts.plusMutuals(-1));
            counts(cache, event.userB(), counts -> counts.plusMutuals(-1));
        }, ReadCache.userKey(event.userA()), ReadCache.userKey(event.userB()));
    }

    @EventHandler
    void on(ImageFavorited event) {
        afterCommit(cache -> {
            counts(cache, event.actorId(), counts -> counts.plusFavoriteImages(1));
            imageFavorites(cache, event.imageId(), 1);
        }, ReadCache.userKey(event.actorId()), ReadCache.imageKey(event.imageId()));
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        afterCommit(cache -> {
            counts(cache, event.actorId(), counts -> counts.plusFavoriteImages(-1));
            imageFavorites(cache, event.imageId(), -1);
        }, ReadCache.userKey(event.actorId()), ReadCache.imageKey(event.imageId()));
    }

    private static void counts(KeyValueCache cache, String userId, UnaryOperator<FavoriteCounts> change) {
        cache.update(ReadCache.userKey(userId), user -> user.withCounts(change));
    }

    private static void imageFavorites(KeyValueCache cache, String imageId, int delta) {
        cache.update(ReadCache.imageKey(imageId), image -> image.withFavoriteCount(image.favoriteCount() + delta));
    }

    /** A rebuild from the first event (tokens reset) starts from an empty cache, read from PostgreSQL meanwhile. */
    @ResetHandler
    void onReset() {
        erased.clear();
        readCache.rebuilding();
        readCache.live().clear();
    }

    /** A change to apply after the batch commits, and the entries it touches. */
    private record Change(Consumer<KeyValueCache> change, KeyValueCache.Key<?>... touched) {
    }

    /**
     * Applies {@code change} once the batch commits, in event order. (Axon runs a unit of work's
     * after-commit handlers in reverse order of registration, so the batch keeps one ordered list.) The
     * token has moved on by then: a change that fails drops the entries it touches, which are then read
     * from PostgreSQL, rather than leaving them inexact. The cache written is the one in service, or a
     * rebuild's new one ({@link WriteTargets}).
     */
    private void afterCommit(Consumer<KeyValueCache> change, KeyValueCache.Key<?>... touched) {
        Change pending = new Change(change, touched);
        KeyValueCache cache = WriteTargets.orLive(KeyValueCache.class, readCache.live());
        if (!CurrentUnitOfWork.isStarted()) {
            apply(cache, List.of(pending));
            return;
        }
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get();
        List<Change> changes = unitOfWork.getOrComputeResource(CacheProjection.class.getName(), key -> {
            List<Change> list = new ArrayList<>();
            unitOfWork.afterCommit(u -> apply(cache, list));
            return list;
        });
        changes.add(pending);
    }

    private void apply(KeyValueCache cache, List<Change> changes) {
        for (Change pending : changes) {
            try {
                pending.change().accept(cache);
            } catch (RuntimeException e) {
                log.error("A cache change failed; dropping the entries it touches, which are read from PostgreSQL instead", e);
                for (KeyValueCache.Key<?> key : pending.touched()) {
                    cache.forget(key);
                }
            }
        }
        updates.signal();
    }
}
