package io.picflow.query.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.downloads.DownloadReadModel;
import io.picflow.query.favorites.FavoriteCounts;
import io.picflow.query.favorites.FavoritesReadModel;
import io.picflow.query.images.ImageReadModel;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cache read model against the real event store and PostgreSQL: it holds exactly what the
 * PostgreSQL read models hold, the endpoints answer from it, and a rebuild from the first event
 * gives the same entries.
 */
class CacheTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    EventStore eventStore;

    @Autowired
    EventProcessingConfiguration processing;

    @Autowired
    KeyValueCache cache;

    @Autowired
    ReadCache readCache;

    @Autowired
    DownloadReadModel downloads;

    @Autowired
    ImageReadModel images;

    @Autowired
    FavoritesReadModel favorites;

    @Autowired
    JdbcClient jdbc;

    @Test
    void the_cache_holds_what_postgresql_holds_serves_the_endpoints_and_is_the_same_after_a_rebuild() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ann = "ann-" + run;
        String bob = "bob-" + run;
        String cat = "cat-" + run;
        String imageId = "%064x".formatted(Math.abs(run.hashCode()));
        String stored = "stored-" + run;
        String again = "again-" + run;
        String failed = "failed-" + run;
        Instant t = Instant.parse("2026-11-02T10:00:00Z");

        List<EventMessage<?>> history = new ArrayList<>();
        for (String user : List.of(ann, bob, cat)) {
            history.add(event("User", "user-" + user, 0, new UserRegistered(user, "Name of " + user), t));
        }
        history.addAll(completedDownload(stored, ann, imageId, "https://a.example.com/1.png", t.plusSeconds(1)));
        history.addAll(completedDownload(again, bob, imageId, "https://b.example.com/same.png", t.plusSeconds(20)));
        history.add(event("ImageDownload", failed, 0, new ImageDownloadRequested(failed, "https://c.example.com/x", "x", List.of(), cat),
                t.plusSeconds(2)));
        history.add(event("ImageDownload", failed, 1, new ImageFetchStarted(failed, 1, 1, 0), t.plusSeconds(3)));
        history.add(event("ImageDownload", failed, 2, new ImageDownloadFailed(failed, "NOT_AN_IMAGE", "HTML page", false, 1),
                t.plusSeconds(4)));
        String pair = "pair-" + run;
        history.add(event("Relationship", pair, 0, new UserFavorited(ann, bob, "profile"), t.plusSeconds(30)));
        history.add(event("Relationship", pair, 1, new UserFavorited(bob, ann, "profile"), t.plusSeconds(31)));
        history.add(event("Relationship", pair, 2, new MutualFavoriteFormed(ann, bob, bob), t.plusSeconds(31)));
        history.add(event("Relationship", "pair2-" + run, 0, new UserFavorited(cat, ann, "search"), t.plusSeconds(32)));
        for (String user : List.of(ann, bob, cat)) {
            history.add(event("ImageFavorite", "fav-" + user + run, 0, new ImageFavorited(user, imageId, "gallery"), t.plusSeconds(40)));
        }
        history.add(event("ImageFavorite", "fav-" + cat + run, 1, new ImageUnfavorited(cat, imageId), t.plusSeconds(41)));
        eventStore.publish(history);

        awaitAllAtHead();
        assertCacheMatchesPostgres(List.of(stored, again, failed), imageId, List.of(ann, bob, cat));

        // The endpoints show the favorite counts on the profile and the image.
        JsonNode profile = json.readTree(api().get("/api/users/" + ann, TestTokens.user("reader")).body());
        assertThat(profile.get("counts").get("favorites").asLong()).isEqualTo(1);
        assertThat(profile.get("counts").get("favoritedBy").asLong()).isEqualTo(2);
        assertThat(profile.get("counts").get("mutuals").asLong()).isEqualTo(1);
        assertThat(profile.get("counts").get("favoriteImages").asLong()).isEqualTo(1);
        JsonNode image = json.readTree(api().get("/api/images/" + imageId, TestTokens.user("reader")).body());
        assertThat(image.get("favoriteCount").asLong()).isEqualTo(2);
        // Stored when first stored, in PostgreSQL and in the cache, whichever download committed first.
        assertThat(image.get("storedAt").asString()).isEqualTo(t.plusSeconds(6).toString());
        assertThat(image.get("sourceUrls")).hasSize(2);
        JsonNode download = json.readTree(api().get("/api/downloads/" + failed, TestTokens.user(cat)).body());
        assertThat(download.get("status").asString()).isEqualTo("FAILED");
        assertThat(download.get("error").get("code").asString()).isEqualTo("NOT_AN_IMAGE");

        // Rebuild: the reset empties the cache, whose readers go to PostgreSQL until it has caught up again.
        StreamingEventProcessor processor = processing.eventProcessor("cache", StreamingEventProcessor.class).orElseThrow();
        processor.shutDown();
        processor.resetTokens();
        assertThat(cache.get(ReadCache.userKey(ann))).isEmpty();
        assertThat(readCache.ready()).isFalse();
        processor.start();
        awaitAllAtHead();
        assertCacheMatchesPostgres(List.of(stored, again, failed), imageId, List.of(ann, bob, cat));

        // The endpoints read the cache first: with the PostgreSQL rows tampered with, they still answer from the events.
        // (Restored afterwards: the other tests of this context share the database.)
        try {
            jdbc.sql("UPDATE user_profile SET display_name = 'tampered' WHERE user_id = :id").param("id", ann).update();
            jdbc.sql("UPDATE download SET status = 'CANCELLED' WHERE download_id = :id").param("id", failed).update();
            JsonNode cached = json.readTree(api().get("/api/users/" + ann, TestTokens.user("reader")).body());
            assertThat(cached.get("displayName").asString()).isEqualTo("Name of " + ann);
            assertThat(json.readTree(api().get("/api/downloads/" + failed, TestTokens.user(cat)).body()).get("status").asString())
                    .isEqualTo("FAILED");
        } finally {
            jdbc.sql("UPDATE user_profile SET display_name = :name WHERE user_id = :id").param("name", "Name of " + ann)
                    .param("id", ann).update();
            jdbc.sql("UPDATE download SET status = 'FAILED' WHERE download_id = :id").param("id", failed).update();
        }
    }

    private void assertCacheMatchesPostgres(List<String> downloadIds, String imageId, List<String> userIds) {
        for (String id : downloadIds) {
            assertThat(cache.get(ReadCache.downloadKey(id))).as("download %s cached", id).isPresent();
            assertThat(cache.get(ReadCache.downloadKey(id)).orElseThrow().view()).isEqualTo(downloads.find(id).orElseThrow());
        }
        assertThat(cache.get(ReadCache.imageKey(imageId))).isPresent();
        assertThat(cache.get(ReadCache.imageKey(imageId)).orElseThrow())
                .isEqualTo(images.find(imageId).orElseThrow().withFavoriteCount(favorites.imageFavoriteCount(imageId)));
        for (String id : userIds) {
            CachedUser user = cache.get(ReadCache.userKey(id)).orElseThrow();
            FavoriteCounts counted = favorites.counts(id);
            assertThat(user.counts()).as("counts of %s", id).isEqualTo(counted);
            assertThat(user.displayName()).isEqualTo(jdbc.sql("SELECT display_name FROM user_profile WHERE user_id = :id")
                    .param("id", id).query(String.class).single());
        }
    }

    private List<EventMessage<?>> completedDownload(String id, String user, String imageId, String url, Instant at) {
        return List.of(
                event("ImageDownload", id, 0, new ImageDownloadRequested(id, url, "f.png", List.of("cats"), user), at),
                event("ImageDownload", id, 1, new ImageFetchStarted(id, 1, 1, 0), at.plusSeconds(1)),
                event("ImageDownload", id, 2, new ImageFetchProgressed(id, 1, 500, 1000L), at.plusSeconds(2)),
                event("ImageDownload", id, 3, new ImageFetched(id, 1, 1000, "image/png", imageId), at.plusSeconds(3)),
                event("ImageDownload", id, 4, new ImageStored(id, imageId, imageId, 1000, "PNG", "image/png", 10, 10, url, "f.png",
                        List.of("cats"), user), at.plusSeconds(5)),
                event("ImageDownload", id, 5, new ImageDownloadCompleted(id, imageId), at.plusSeconds(6)));
    }

    private static EventMessage<?> event(String type, String aggregateId, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>(type, aggregateId, sequence, payload, Map.of(MetadataKeys.CORRELATION_ID, "c-" + aggregateId),
                UUID.randomUUID().toString(), at);
    }

    /** Every query-side processor (the PostgreSQL read models and the cache) has passed the head of the store. */
    private void awaitAllAtHead() {
        long head = eventStore.createHeadToken().position().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> QuerySideConfiguration.ALL_PROCESSING_GROUPS.stream().allMatch(group ->
                processing.eventProcessor(group, StreamingEventProcessor.class).map(p -> !p.processingStatus().isEmpty()
                        && p.processingStatus().values().stream().allMatch(s -> s.getCurrentPosition().orElse(-1) >= head)).orElse(false)));
        // Caught up: the cache serves readers (Axon marks a segment caught up once it finds no further event).
        await().atMost(Duration.ofSeconds(10)).until(readCache::ready);
    }
}
