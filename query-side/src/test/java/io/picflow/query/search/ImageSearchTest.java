package io.picflow.query.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Stored images, through the image-search projection, into the real Elasticsearch, searched over HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageSearchTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Autowired
    EventStore eventStore;

    @BeforeAll
    void storeImages() {
        Instant t0 = Instant.parse("2026-11-01T10:00:00Z");
        stored(id(1), "sunset-over-harbour.png", List.of("sea", run), "https://photos.example.com/1", "image/png", 1920, 1080, t0);
        stored(id(2), "harbour-at-night.jpg", List.of("sea", "night", run), "https://cdn.example.org/2", "image/jpeg", 800, 600,
                t0.plusSeconds(60));
        stored(id(3), "mountain.webp", List.of("hills", run), "https://photos.example.com/3", "image/webp", 4000, 3000,
                t0.plusSeconds(120));
        favorited(id(2), "ann");
        favorited(id(2), "bob");
        favorited(id(3), "ann");
        favorited(id(3), "ann"); // redelivered or repeated: counts once
        publish("ImageFavorite", "x-" + run, new ImageUnfavorited("cat", id(1)), Instant.now()); // never favorited: no change
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> search("tag=" + run).path("total").asLong() == 3
                && search("tag=" + run + "&sort=favorites").path("items").path(0).path("favoriteCount").asLong() == 2);
    }

    @Test
    void full_text_matches_file_names_tags_and_hosts() {
        assertThat(ids(search("q=harbour&tag=" + run))).containsExactlyInAnyOrder(id(1), id(2));
        assertThat(ids(search("q=harbour%20night&tag=" + run))).containsExactly(id(2));
        assertThat(ids(search("q=hills&tag=" + run))).containsExactly(id(3));
        assertThat(ids(search("q=cdn.example.org&tag=" + run))).containsExactly(id(2));
        assertThat(ids(search("q=photos&tag=" + run))).containsExactlyInAnyOrder(id(1), id(3));
        assertThat(ids(search("q=Harbour.PNG&tag=" + run))).containsExactly(id(1));
    }

    @Test
    void filters_sorts_pages_and_facets() {
        assertThat(ids(search("tag=" + run + "&type=image/png"))).containsExactly(id(1));
        assertThat(ids(search("tag=" + run + "&minWidth=1000&minHeight=2000"))).containsExactly(id(3));
        assertThat(ids(search("tag=" + run + "&minWidth=1000&sort=newest"))).containsExactly(id(3), id(1));
        assertThat(ids(search("tag=" + run + "&tag=sea"))).containsExactlyInAnyOrder(id(1), id(2));
        assertThat(ids(search("tag=" + run + "&sort=newest"))).containsExactly(id(3), id(2), id(1));
        assertThat(ids(search("tag=" + run + "&sort=favorites"))).containsExactly(id(2), id(3), id(1));

        JsonNode page = search("tag=" + run + "&sort=newest&page=1&size=2");
        assertThat(ids(page)).containsExactly(id(1));
        assertThat(page.path("total").asLong()).isEqualTo(3);
        assertThat(page.path("page").asInt()).isEqualTo(1);
        assertThat(page.path("size").asInt()).isEqualTo(2);

        JsonNode facets = search("tag=" + run).path("facets");
        assertThat(facet(facets.path("tags"), "sea")).isEqualTo(2);
        assertThat(facet(facets.path("tags"), run)).isEqualTo(3);
        assertThat(facet(facets.path("contentTypes"), "image/jpeg")).isEqualTo(1);

        JsonNode first = search("tag=" + run + "&sort=newest").path("items").path(0);
        assertThat(first.path("fileName").asString()).isEqualTo("mountain.webp");
        assertThat(first.path("sourceHost").asString()).isEqualTo("photos.example.com");
        assertThat(first.path("width").asInt()).isEqualTo(4000);
        assertThat(first.has("requestedBy")).as("another user's requestedBy").isFalse();
        assertThat(first.path("favoriteCount").asLong()).isEqualTo(1);
        assertThat(first.path("storedAt").asString()).isEqualTo("2026-11-01T10:02:00Z");
    }

    @Test
    void a_hit_names_its_requester_to_that_user_only() {
        var response = api().get("/api/images?tag=" + run + "&sort=newest", TestTokens.user("uploader"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("items").path(0).path("requestedBy").asString()).isEqualTo("uploader");
        var asAdmin = api().get("/api/images?tag=" + run + "&sort=newest", TestTokens.admin("root"));
        assertThat(json.readTree(asAdmin.body()).path("items").path(0).has("requestedBy")).isFalse();
    }

    @Test
    void bad_parameters_are_400_problems() {
        assertThat(api().get("/api/images?sort=random", TestTokens.user("u")).statusCode()).isEqualTo(400);
        assertThat(api().get("/api/images?size=101", TestTokens.user("u")).statusCode()).isEqualTo(400);
        assertThat(api().get("/api/images?page=500&size=100", TestTokens.user("u")).statusCode()).isEqualTo(400);
        assertThat(api().get("/api/images?minWidth=0", TestTokens.user("u")).statusCode()).isEqualTo(400);
        assertThat(api().get("/api/images", null).statusCode()).isEqualTo(401);
    }

    private JsonNode search(String query) {
        var response = api().get("/api/images?" + query, TestTokens.user("searcher"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static List<String> ids(JsonNode page) {
        return page.path("items").valueStream().map(item -> item.path("imageId").asString()).toList();
    }

    private static long facet(JsonNode buckets, String value) {
        return buckets.valueStream().filter(b -> b.path("value").asString().equals(value)).mapToLong(b -> b.path("count").asLong())
                .findFirst().orElse(0);
    }

    private String id(int n) {
        return (run + n).repeat(8).substring(0, 64);
    }

    private void stored(String imageId, String fileName, List<String> tags, String url, String type, int width, int height,
            Instant at) {
        publish("ImageDownload", UUID.randomUUID().toString(), new ImageStored(UUID.randomUUID().toString(), imageId, imageId, 1000,
                type.substring(6).toUpperCase(), type, width, height, url, fileName, tags, "uploader"), at);
    }

    private void favorited(String imageId, String user) {
        publish("ImageFavorite", "fav-" + imageId + "-" + user, new ImageFavorited(user, imageId, "test"), Instant.now());
    }

    private void publish(String type, String aggregateId, Object payload, Instant at) {
        long sequence = eventStore.lastSequenceNumberFor(aggregateId).map(n -> n + 1).orElse(0L);
        eventStore.publish(new GenericDomainEventMessage<>(type, aggregateId, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "search"), UUID.randomUUID().toString(), at));
    }
}
