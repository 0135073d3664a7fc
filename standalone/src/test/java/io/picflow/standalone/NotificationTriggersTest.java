package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The download and image triggers end to end into the inbox: real downloads from a local image server, a download that
 * fails for good, and favorites of a stored image notifying the users who downloaded it, at most once an hour.
 */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class NotificationTriggersTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestImageServer images = new TestImageServer().start();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        StandaloneTestProperties.register(registry, "picflow-notification-triggers");
    }

    @AfterAll
    static void stopImageServer() {
        images.close();
    }

    @Test
    void downloads_tell_their_requester_and_favorites_of_the_image_tell_who_downloaded_it_once_an_hour() {
        ApiClient api = ApiClient.onPort(port);
        String ann = register(api, "ann");
        String bob = register(api, "bob");
        String cat = register(api, "cat");

        String completed = download(api, ann, images.url("/img/611.png"));
        String failed = download(api, ann, images.url("/missing/612.png")); // 404: fails for good at once
        JsonNode done = await().atMost(WAIT).until(() -> json.readTree(api.get("/api/downloads/" + completed, TestTokens.user(ann)).body()),
                node -> node.get("status").asString().equals("COMPLETED"));
        String imageId = done.get("imageId").asString();

        List<JsonNode> items = awaitInbox(api, ann, 2);
        assertThat(items).anySatisfy(item -> {
            assertThat(item.get("trigger").asString()).isEqualTo("DOWNLOAD_COMPLETED");
            assertThat(item.get("priority").asString()).isEqualTo("LOW");
            assertThat(item.get("subject").get("id").asString()).isEqualTo(completed);
            assertThat(item.get("text").asString()).isEqualTo("Your download completed");
        });
        assertThat(items).anySatisfy(item -> {
            assertThat(item.get("trigger").asString()).isEqualTo("DOWNLOAD_FAILED");
            assertThat(item.get("priority").asString()).isEqualTo("NORMAL");
            assertThat(item.get("subject").get("id").asString()).isEqualTo(failed);
        });

        java.time.Instant hourOfFirst = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        assertThat(api.postJson("/api/users/me/favorite-images", TestTokens.user(bob), "{\"imageId\":\"" + imageId + "\"}").statusCode())
                .isEqualTo(202);
        JsonNode liked = awaitInbox(api, ann, 3).get(0);
        assertThat(liked.get("trigger").asString()).isEqualTo("IMAGE_FAVORITED");
        assertThat(liked.get("actor").isNull()).as("no actor named").isTrue();
        assertThat(liked.get("subject").get("id").asString()).isEqualTo(imageId);
        assertThat(liked.get("text").asString()).isEqualTo("Your image got a new favorite");
        // Bob favorited it, but never downloaded it: nothing for him.
        assertThat(inbox(api, bob).get("total").asInt()).isZero();

        // A second favorite in the same hour adds no notification (unless the hour turned meanwhile: then there is nothing
        // to check).
        assertThat(api.postJson("/api/users/me/favorite-images", TestTokens.user(cat), "{\"imageId\":\"" + imageId + "\"}").statusCode())
                .isEqualTo(202);
        await().atMost(WAIT).until(() -> json.readTree(api.get("/api/images/" + imageId, TestTokens.user(ann)).body())
                .get("favoriteCount").asLong() == 2);
        String probe = register(api, "dan");
        assertThat(api.postJson("/api/users/me/favorites", TestTokens.user(probe), "{\"userId\":\"" + ann + "\"}").statusCode())
                .isEqualTo(202);
        // The FAVORITED from dan comes after cat's favorite in the event store: once it is in, cat's was processed.
        List<JsonNode> after = awaitInbox(api, ann, 4);
        assertThat(after.get(0).get("trigger").asString()).isEqualTo("FAVORITED");
        if (java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).equals(hourOfFirst)) {
            assertThat(after).filteredOn(item -> item.get("trigger").asString().equals("IMAGE_FAVORITED")).hasSize(1);
        }
    }

    private static String register(ApiClient api, String name) {
        String id = name + "-" + UUID.randomUUID();
        assertThat(api.postJson("/api/users", TestTokens.user(id), "{\"displayName\":\"" + name + "\"}").statusCode()).isEqualTo(202);
        return id;
    }

    private static String download(ApiClient api, String user, String url) {
        HttpResponse<String> accepted = api.postJson("/api/downloads", TestTokens.user(user), "{\"url\":\"" + url + "\"}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static JsonNode inbox(ApiClient api, String user) {
        HttpResponse<String> page = api.get("/api/users/me/notifications", TestTokens.user(user));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        return json.readTree(page.body());
    }

    private static List<JsonNode> awaitInbox(ApiClient api, String user, int total) {
        await().atMost(WAIT).until(() -> inbox(api, user).get("total").asInt() >= total);
        List<JsonNode> items = new ArrayList<>();
        inbox(api, user).get("items").forEach(items::add);
        assertThat(items).hasSize(total);
        return items;
    }
}
