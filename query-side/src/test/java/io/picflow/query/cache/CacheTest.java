package io.picflow.query.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestTokens;
import io.picflow.query.downloads.DownloadReadModel;
import io.picflow.query.favorites.FavoriteCounts;
import io.picflow.query.favorites.FavoritesReadModel;
import io.picflow.query.images.ImageReadModel;
import io.picflow.query.support.QuerySideTest;
import io.picflow.query.support.RealisticHistory;
import java.time.Instant;
import java.util.List;
import org.axonframework.eventhandling.StreamingEventProcessor;
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
    KeyValueCache cache;

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
        RealisticHistory history = RealisticHistory.create(personalData);
        String ann = history.ann();
        String bob = history.bob();
        String cat = history.cat();
        String imageId = history.imageId();
        String stored = history.stored();
        String again = history.again();
        String failed = history.failed();
        Instant t = history.start();
        eventStore.publish(history.events());

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
        // Sources are kept with their requesters: each sees their own URL, an admin both, anyone else none.
        assertThat(image.has("sourceUrls")).isFalse();
        assertThat(json.readTree(api().get("/api/images/" + imageId, TestTokens.user(ann)).body()).get("sourceUrls").toString())
                .isEqualTo("[\"https://a.example.com/1.png\"]");
        assertThat(json.readTree(api().get("/api/images/" + imageId, TestTokens.admin("root")).body()).get("sourceUrls")).hasSize(2);
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
}
