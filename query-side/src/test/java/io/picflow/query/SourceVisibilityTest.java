package io.picflow.query;

import static io.picflow.query.support.RealisticHistory.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageStored;
import io.picflow.query.cache.KeyValueCache;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.axonframework.eventhandling.EventMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who sees which download URLs: ann and bob download the same image from URLs that carry credentials
 * (user info, a signature in the query, a fragment); bob's second download fails with a message that
 * quotes a URL. Each of ann, bob, cat (who downloaded nothing), an admin, and an admin who is ann reads
 * the image, the search hits, the downloads, the live feed and the event browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceVisibilityTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final String ANN_URL = "https://ann:pw@bucket.example.com/cat.png?X-Amz-Signature=ann-sig#ann-frag";
    private static final String ANN_REDACTED = "https://bucket.example.com/cat.png";
    private static final String BOB_URL = "https://cdn.example.org/same.png?token=bob-secret#bob-frag";
    private static final String BOB_REDACTED = "https://cdn.example.org/same.png";
    private static final String BOB_FAILED_URL = "https://cdn.example.org/moved.png?token=bob-other-secret";
    private static final String BOB_FAILED_REDACTED = "https://cdn.example.org/moved.png";
    private static final String BOB_MESSAGE = "Redirect to a URL that is not http(s): ftp://bob:pw@files.example.org/x.png?sig=bob-ftp";
    private static final String BOB_MESSAGE_REDACTED = "Redirect to a URL that is not http(s): ftp://files.example.org/x.png";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String ann = "ann-" + run;
    private final String bob = "bob-" + run;
    private final String cat = "cat-" + run;
    private final String imageId = "%064x".formatted(Math.abs(run.hashCode()) + 7L);
    private final String annDownload = "ann-dl-" + run;
    private final String bobDownload = "bob-dl-" + run;

    @Autowired
    KeyValueCache cache;

    @BeforeAll
    void twoUsersDownloadTheSameImage() {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        List<EventMessage<?>> events = new ArrayList<>();
        events.addAll(completedDownload(annDownload, ann, ANN_URL, t));
        events.addAll(completedDownload(bobDownload, bob, BOB_URL, t.plusSeconds(10)));
        eventStore.publish(events);
        awaitAllAtHead();
    }

    @Test
    void an_image_shows_each_caller_only_their_own_urls_in_full_and_admins_all_of_them_redacted() {
        assertImageSources();
        // The same from PostgreSQL as from the cache: the cache keeps each URL with its requester.
        cache.forget(new KeyValueCache.Key<>("image:" + imageId, false));
        assertImageSources();
    }

    private void assertImageSources() {
        assertThat(sourceUrls(TestTokens.user(ann))).containsExactly(ANN_URL);
        assertThat(sourceUrls(TestTokens.user(bob))).containsExactly(BOB_URL);
        assertThat(sourceUrls(TestTokens.admin("root-" + run))).containsExactly(ANN_REDACTED, BOB_REDACTED);
        assertThat(sourceUrls(TestTokens.admin(ann))).containsExactly(ANN_URL, BOB_REDACTED);

        JsonNode other = image(TestTokens.user(cat));
        assertThat(other.get("imageId").asString()).isEqualTo(imageId);
        assertThat(other.has("sourceUrls")).as(other.toString()).isFalse();
        for (String token : List.of(TestTokens.user(ann), TestTokens.user(bob), TestTokens.user(cat), TestTokens.admin("root-" + run))) {
            assertThat(image(token).has("requestedBy")).isFalse();
        }
    }

    @Test
    void a_search_hit_names_its_requester_only_to_that_user_and_carries_no_urls() {
        // The hit shows the last stored download (bob's): only bob sees that it was his.
        await().atMost(WAIT).until(() -> hits(TestTokens.user(bob)), hits -> hits.size() == 1
                && hits.get(0).path("requestedBy").asString().equals(bob));
        for (String token : List.of(TestTokens.user(ann), TestTokens.user(cat), TestTokens.admin("root-" + run))) {
            JsonNode hit = hits(token).get(0);
            assertThat(hit.get("imageId").asString()).isEqualTo(imageId);
            assertThat(hit.get("sourceHost").asString()).isEqualTo("cdn.example.org");
            assertThat(hit.has("requestedBy")).as(hit.toString()).isFalse();
            assertThat(hit.has("sourceUrls")).isFalse();
        }
    }

    @Test
    void an_admin_reading_another_user_s_download_sees_its_url_and_the_urls_in_its_error_redacted() {
        assertThat(download(annDownload, TestTokens.user(ann)).get("url").asString()).isEqualTo(ANN_URL);
        assertThat(download(annDownload, TestTokens.admin(ann)).get("url").asString()).isEqualTo(ANN_URL);
        assertThat(download(annDownload, TestTokens.admin("root-" + run)).get("url").asString()).isEqualTo(ANN_REDACTED);
        assertThat(api().get("/api/downloads/" + annDownload, TestTokens.user(bob)).statusCode()).isEqualTo(404);

        String bobFailed = bobFails();
        JsonNode own = await().atMost(WAIT).until(() -> download(bobFailed, TestTokens.user(bob)), d -> d.has("error"));
        assertThat(own.get("url").asString()).isEqualTo(BOB_FAILED_URL);
        assertThat(own.get("error").get("message").asString()).isEqualTo(BOB_MESSAGE);
        JsonNode asAdmin = download(bobFailed, TestTokens.admin("root-" + run));
        assertThat(asAdmin.get("url").asString()).isEqualTo(BOB_FAILED_REDACTED);
        assertThat(asAdmin.get("error").get("message").asString()).isEqualTo(BOB_MESSAGE_REDACTED);
        assertThat(asAdmin.get("error").get("code").asString()).isEqualTo("UNSUPPORTED_SCHEME");
        assertThat(asAdmin.get("requestedBy").asString()).isEqualTo(bob);
    }

    @Test
    void live_frames_of_another_user_s_download_reach_an_admin_redacted() {
        String admin = TestTokens.admin("root-" + run);
        // The current state, on connecting: the owner's in full, an admin's redacted.
        try (SocketClient owner = SocketClient.connect(port, "/ws?downloadId=" + annDownload + "&access_token=" + TestTokens.user(ann));
                SocketClient other = SocketClient.connect(port, "/ws?downloadId=" + annDownload + "&access_token=" + admin)) {
            assertThat(json.readTree(owner.next(WAIT).text()).get("url").asString()).isEqualTo(ANN_URL);
            assertThat(json.readTree(other.next(WAIT).text()).get("url").asString()).isEqualTo(ANN_REDACTED);
        }
        // Live frames: to bob's own connection in full, to an admin's stream of a type redacted.
        try (SocketClient owner = SocketClient.connect(port, "/ws?scope=mine&access_token=" + TestTokens.user(bob));
                SocketClient types = SocketClient.connect(port, "/ws?types=ImageDownloadFailed&access_token=" + admin)) {
            owner.until(text -> text.contains("CaughtUp"), WAIT);
            types.until(text -> text.contains("CaughtUp"), WAIT);
            String bobFailed = bobFails();

            JsonNode own = json.readTree(last(owner.until(text -> text.contains("ImageDownloadFailed"), WAIT)).text());
            assertThat(own.get("downloadId").asString()).isEqualTo(bobFailed);
            assertThat(own.get("url").asString()).isEqualTo(BOB_FAILED_URL);
            assertThat(own.get("error").get("message").asString()).isEqualTo(BOB_MESSAGE);
            JsonNode redacted = json.readTree(last(types.until(text -> text.contains(bobFailed), WAIT)).text());
            assertThat(redacted.get("type").asString()).isEqualTo("ImageDownloadFailed");
            assertThat(redacted.get("url").asString()).isEqualTo(BOB_FAILED_REDACTED);
            assertThat(redacted.get("error").get("message").asString()).isEqualTo(BOB_MESSAGE_REDACTED);
        }
    }

    @Test
    void the_event_browser_redacts_urls_unless_the_event_names_the_admin_as_its_requester() {
        JsonNode asRoot = events("aggregateId=" + annDownload, TestTokens.admin("root-" + run));
        assertThat(payload(asRoot, "ImageDownloadRequested").get("url").asString()).isEqualTo(ANN_REDACTED);
        assertThat(payload(asRoot, "ImageStored").get("sourceUrl").asString()).isEqualTo(ANN_REDACTED);
        assertThat(payload(asRoot, "ImageStored").get("requestedBy").asString()).isEqualTo(ann);
        assertThat(payload(asRoot, "ImageStored").get("fileName").asString()).isEqualTo("cat.png");
        assertThat(asRoot.toString()).doesNotContain("ann-sig", "ann-frag", "ann:pw");

        JsonNode asAnn = events("aggregateId=" + annDownload, TestTokens.admin(ann));
        assertThat(payload(asAnn, "ImageDownloadRequested").get("url").asString()).isEqualTo(ANN_URL);
        assertThat(payload(asAnn, "ImageStored").get("sourceUrl").asString()).isEqualTo(ANN_URL);

        String bobFailed = bobFails();
        JsonNode failed = await().atMost(WAIT).until(() -> events("aggregateId=" + bobFailed, TestTokens.admin("root-" + run)),
                page -> page.get("total").asLong() == 2);
        assertThat(payload(failed, "ImageDownloadRequested").get("url").asString()).isEqualTo(BOB_FAILED_REDACTED);
        assertThat(payload(failed, "ImageDownloadFailed").get("message").asString()).isEqualTo(BOB_MESSAGE_REDACTED);
        assertThat(failed.toString()).doesNotContain("bob-other-secret", "bob-ftp", "bob:pw");
    }

    /** A download of bob's that fails with a message quoting a URL; returns its id. */
    private String bobFails() {
        String downloadId = "bob-failed-" + UUID.randomUUID();
        eventStore.publish(
                event("ImageDownload", downloadId, 0, new ImageDownloadRequested(downloadId, BOB_FAILED_URL, "moved.png", List.of(), bob),
                        Instant.now()),
                event("ImageDownload", downloadId, 1, new ImageDownloadFailed(downloadId, "UNSUPPORTED_SCHEME", BOB_MESSAGE, false, 1),
                        Instant.now()));
        return downloadId;
    }

    private static SocketClient.Frame last(List<SocketClient.Frame> frames) {
        return frames.get(frames.size() - 1);
    }

    private List<EventMessage<?>> completedDownload(String downloadId, String user, String url, Instant at) {
        return List.of(
                event("ImageDownload", downloadId, 0, new ImageDownloadRequested(downloadId, url, "cat.png", List.of(run), user), at),
                event("ImageDownload", downloadId, 1, new ImageStored(downloadId, imageId, imageId, 1000, "PNG", "image/png", 10, 10,
                        url, "cat.png", List.of(run), user), at.plusSeconds(1)),
                event("ImageDownload", downloadId, 2, new ImageDownloadCompleted(downloadId, imageId), at.plusSeconds(2)));
    }

    private JsonNode image(String token) {
        HttpResponse<String> response = api().get("/api/images/" + imageId, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private List<String> sourceUrls(String token) {
        return image(token).path("sourceUrls").valueStream().map(JsonNode::asString).toList();
    }

    private List<JsonNode> hits(String token) {
        HttpResponse<String> response = api().get("/api/images?tag=" + run, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("ann-sig", "bob-secret", "X-Amz");
        return json.readTree(response.body()).path("items").valueStream().toList();
    }

    private JsonNode download(String downloadId, String token) {
        HttpResponse<String> response = api().get("/api/downloads/" + downloadId, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private JsonNode events(String query, String token) {
        HttpResponse<String> response = api().get("/api/admin/events?" + query, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static JsonNode payload(JsonNode page, String type) {
        return page.get("items").valueStream().filter(event -> event.get("type").asString().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("No " + type + " in " + page)).get("payload");
    }
}
