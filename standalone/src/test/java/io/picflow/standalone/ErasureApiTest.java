package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code DELETE /api/users/me} through both sides on the real database, search index and cache: personal text is
 * encrypted in the event store and unreadable once the key is gone; everything about the user leaves every read
 * model (and stays out after a rebuild); their relationships end with the usual events; their unfinished downloads
 * stop; and the subject is refused from then on.
 */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ErasureApiTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestImageServer images = new TestImageServer().start();

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        StandaloneTestProperties.register(registry, "picflow-erasure");
    }

    @AfterAll
    static void stopImageServer() {
        images.close();
    }

    @Test
    void personal_text_is_stored_encrypted_and_unreadable_once_the_user_is_erased() {
        ApiClient api = ApiClient.onPort(port);
        String ann = register(api, "ann", "Ann Secretname");
        String bob = register(api, "bob", "Bob");
        accepted(api.postJson("/api/users/me/shortlist", TestTokens.user(ann), "{\"userId\":\"" + bob + "\",\"note\":\"a private note\"}"));
        await().atMost(WAIT).until(() -> list(api, TestTokens.user(ann), "shortlist").get("total").asLong() == 1);
        assertThat(list(api, TestTokens.user(ann), "shortlist").get("items").get(0).get("note").asString()).isEqualTo("a private note");

        // Neither the event store nor the admin event browser has the text in clear.
        assertThat(payloadsMentioning(ann)).isNotEmpty().noneMatch(p -> p.contains("Secretname") || p.contains("a private note"));
        String browsed = api.get("/api/admin/events?type=UserRegistered&size=100", TestTokens.admin("ops")).body()
                + api.get("/api/admin/events?type=UserShortlisted&size=100", TestTokens.admin("ops")).body();
        assertThat(browsed).contains(ann).contains("ciphertext");
        assertThat(browsed).doesNotContain("Secretname").doesNotContain("a private note");

        erase(api, ann);

        assertThat(count("SELECT count(*) FROM user_key WHERE user_id = :id", ann)).isZero();
        assertThat(count("SELECT count(*) FROM user_profile WHERE user_id = :id", ann)).isZero();
        assertThat(count("SELECT count(*) FROM user_shortlist WHERE actor_id = :id OR target_id = :id", ann)).isZero();
        assertProblem(api.get("/api/users/" + ann, TestTokens.user(bob)), 404);
    }

    @Test
    void an_erasure_ends_relationships_with_the_usual_events_and_leaves_no_row_about_the_user() throws Exception {
        ApiClient api = ApiClient.onPort(port);
        String ann = register(api, "ann", "Ann");
        String bob = register(api, "bob", "Bob");
        String cat = register(api, "cat", "Cat");
        String annToken = TestTokens.user(ann);
        String bobToken = TestTokens.user(bob);
        String catToken = TestTokens.user(cat);
        assertThat(api.postJson("/api/users", annToken, "{\"displayName\":\"Ann\",\"email\":\"ann@example.com\"}").statusCode())
                .isEqualTo(202);
        accepted(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\"}"));
        accepted(api.postJson("/api/users/me/favorites", bobToken, "{\"userId\":\"" + ann + "\"}"));
        accepted(api.postJson("/api/users/me/favorites", catToken, "{\"userId\":\"" + ann + "\"}"));
        accepted(api.postJson("/api/users/me/shortlist", bobToken, "{\"userId\":\"" + ann + "\",\"note\":\"about ann\"}"));
        accepted(api.postJson("/api/users/me/exclusions", catToken, "{\"userId\":\"" + ann + "\",\"reason\":\"no\"}"));
        // Cat's exclusion ended cat's favorite of ann; bob and ann are mutual.
        await().atMost(WAIT).until(() -> list(api, bobToken, "mutuals").get("total").asLong() == 1);

        // A completed download (the image is shared with bob, who stored the same bytes), and one still running.
        String annImage = completedDownload(api, annToken, images.url("/img/41.png?X-Amz-Signature=ann-secret"));
        String bobImage = completedDownload(api, bobToken, images.url("/img/41.png"));
        assertThat(bobImage).isEqualTo(annImage);
        accepted(api.postJson("/api/users/me/favorite-images", annToken, "{\"imageId\":\"" + annImage + "\"}"));
        String failed = api.postJson("/api/downloads", annToken, "{\"url\":\"" + images.url("/missing/45.png?token=ann-secret") + "\"}")
                .headers().firstValue("Location").orElseThrow();
        await().atMost(WAIT).until(() -> status(api, failed, annToken).equals("FAILED"));
        String running = api.postJson("/api/downloads", annToken, "{\"url\":\"" + images.url("/slow/42.png") + "\"}")
                .headers().firstValue("Location").orElseThrow();
        await().atMost(WAIT).until(() -> status(api, running, annToken).equals("FETCHING"));
        await().atMost(WAIT).until(() -> json.readTree(api.get("/api/images/" + annImage, bobToken).body()).get("favoriteCount").asLong() == 1);

        SocketClient annSocket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + annToken);
        annSocket.until(frame -> frame.contains("CaughtUp"), WAIT);

        String correlationId = erase(api, ann);

        // Her socket is closed as erased; her key and contact details are gone.
        assertThat(annSocket.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(4404);
        assertThat(count("SELECT count(*) FROM user_contact WHERE user_id = :id", ann)).isZero();
        // Her relationships ended with the usual events, correlated to the erasure, and UserErased came last.
        List<String> erasureEvents = jdbc.sql("SELECT payload_type FROM domain_event_entry "
                        + "WHERE convert_from(meta_data, 'UTF8')::jsonb ->> 'correlationId' = :c ORDER BY global_index")
                .param("c", correlationId).query(String.class).list().stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList();
        assertThat(erasureEvents).contains("ImageDownloadCancelled", "UserUnfavorited", "MutualFavoriteDissolved", "UserUnshortlisted",
                "UserUnexcluded", "ImageUnfavorited").endsWith("UserErased");
        assertThat(status(api, running, TestTokens.admin("ops"))).isEqualTo("404");

        // Other users see nothing of her.
        assertThat(list(api, bobToken, "favorites").get("total").asLong()).isZero();
        assertThat(list(api, bobToken, "favorited-by").get("total").asLong()).isZero();
        assertThat(list(api, bobToken, "mutuals").get("total").asLong()).isZero();
        assertThat(list(api, bobToken, "shortlist").get("total").asLong()).isZero();
        assertThat(list(api, catToken, "exclusions").get("total").asLong()).isZero();
        JsonNode image = json.readTree(api.get("/api/images/" + annImage, TestTokens.admin("ops")).body());
        assertThat(image.get("favoriteCount").asLong()).isZero();
        assertThat(image.toString()).contains("/img/41.png").doesNotContain("ann-secret");
        assertThat(image.get("sourceUrls")).hasSize(1);
        assertThat(json.readTree(api.get("/api/users/" + bob, bobToken).body()).get("counts").toString()).doesNotContain(":1");
        assertNoRowsAbout(ann);

        // The read models rebuilt from the whole history still hold nothing about her.
        for (String model : List.of("downloads", "images", "favorites", "users", "image-search", "notification-inbox")) {
            rebuild(api, model);
        }
        assertNoRowsAbout(ann);
        assertThat(api.get("/api/images?q=41", bobToken).body()).doesNotContain(ann);

        // The subject is refused from now on, on both sides; nobody can name her any more.
        assertProblem(api.postJson("/api/downloads", annToken, "{\"url\":\"" + images.url("/img/43.png") + "\"}"), 410);
        assertProblem(api.postJson("/api/users", annToken, "{\"displayName\":\"Ann again\"}"), 410);
        assertProblem(api.get("/api/downloads", annToken), 410);
        assertProblem(api.postJson("/api/ws-tickets", annToken, ""), 410);
        assertProblem(api.send("DELETE", "/api/users/me", annToken, HttpRequest.BodyPublishers.noBody()), 410);
        assertProblem(api.postJson("/api/users/me/favorites", bobToken, "{\"userId\":\"" + ann + "\"}"), 404);
        try (SocketClient again = SocketClient.connect(port, "/ws?scope=mine&access_token=" + annToken)) {
            assertThat(again.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(4404);
        }
    }

    @Test
    void an_erased_admins_admin_stream_is_closed_by_the_nodes_own_look_at_the_erasures() throws Exception {
        ApiClient api = ApiClient.onPort(port);
        String admin = "ops-" + UUID.randomUUID();
        try (SocketClient stream = SocketClient.connect(port, "/ws/admin?access_token=" + TestTokens.admin(admin))) {
            HttpResponse<String> erased = api.send("DELETE", "/api/users/me", TestTokens.admin(admin), HttpRequest.BodyPublishers.noBody());
            assertThat(erased.statusCode()).as(erased.body()).isEqualTo(202);
            assertThat(stream.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(4404);
        }
        assertProblem(api.get("/api/admin/projections", TestTokens.admin(admin)), 410);
    }

    @Test
    void commands_racing_the_erasure_are_either_undone_by_it_or_refused() throws Exception {
        ApiClient api = ApiClient.onPort(port);
        String ann = register(api, "racer", "Racer");
        String annToken = TestTokens.user(ann);
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            others.add(register(api, "other" + i, "Other " + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Integer>> favorites = others.stream().map(other -> CompletableFuture.supplyAsync(() ->
                    api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + other + "\"}").statusCode(), pool)).toList();
            erase(api, ann);
            for (CompletableFuture<Integer> favorite : favorites) {
                assertThat(favorite.get()).isIn(202, 410);
            }
        } finally {
            pool.shutdownNow();
        }
        await().atMost(WAIT).until(() -> count("SELECT count(*) FROM user_favorite WHERE actor_id = :id", ann) == 0
                && count("SELECT count(*) FROM favorite_link WHERE user_id = :id OR target_id = :id", ann) == 0);
        // Every favorite that was stored was also ended.
        long stored = count("SELECT count(*) FROM domain_event_entry WHERE payload_type LIKE '%.UserFavorited' "
                + "AND convert_from(payload, 'UTF8')::jsonb ->> 'actorId' = :id", ann);
        long ended = count("SELECT count(*) FROM domain_event_entry WHERE payload_type LIKE '%.UserUnfavorited' "
                + "AND convert_from(payload, 'UTF8')::jsonb ->> 'actorId' = :id", ann);
        assertThat(ended).isEqualTo(stored);
    }

    /** Erases the user and waits until the erasure is complete and projected; returns its correlation id. */
    private String erase(ApiClient api, String userId) {
        HttpResponse<String> response = api.send("DELETE", "/api/users/me", TestTokens.user(userId), HttpRequest.BodyPublishers.noBody());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String correlationId = json.readTree(response.body()).get("correlationId").asString();
        assertThat(count("SELECT count(*) FROM user_key WHERE user_id = :id", userId)).isZero();
        await().atMost(WAIT).until(() -> count("SELECT count(*) FROM erased_user WHERE user_id = :id AND completed_at IS NOT NULL", userId) == 1);
        await().atMost(WAIT).until(() -> count("SELECT count(*) FROM user_profile WHERE user_id = :id", userId) == 0
                && count("SELECT count(*) FROM live_feed WHERE owner = :id", userId) == 0
                && count("SELECT count(*) FROM download WHERE requested_by = :id", userId) == 0
                && count("SELECT count(*) FROM image_search_source WHERE requested_by = :id", userId) == 0);
        return correlationId;
    }

    private void assertNoRowsAbout(String userId) {
        for (String query : List.of(
                "SELECT count(*) FROM user_profile WHERE user_id = :id",
                "SELECT count(*) FROM user_favorite WHERE actor_id = :id OR target_id = :id",
                "SELECT count(*) FROM user_mutual WHERE user_id = :id OR other_id = :id",
                "SELECT count(*) FROM user_shortlist WHERE actor_id = :id OR target_id = :id",
                "SELECT count(*) FROM user_exclusion WHERE actor_id = :id OR target_id = :id",
                "SELECT count(*) FROM image_favorite WHERE user_id = :id",
                "SELECT count(*) FROM download WHERE requested_by = :id",
                "SELECT count(*) FROM image_source WHERE requested_by = :id",
                "SELECT count(*) FROM image_search_source WHERE requested_by = :id",
                "SELECT count(*) FROM image_search_favorite WHERE user_id = :id",
                "SELECT count(*) FROM live_feed WHERE owner = :id",
                "SELECT count(*) FROM live_download WHERE owner = :id",
                "SELECT count(*) FROM ws_ticket WHERE user_id = :id",
                "SELECT count(*) FROM favorite_link WHERE user_id = :id OR target_id = :id",
                "SELECT count(*) FROM active_download WHERE user_id = :id",
                "SELECT count(*) FROM finished_download WHERE user_id = :id",
                "SELECT count(*) FROM idempotency_key WHERE user_id = :id",
                "SELECT count(*) FROM user_contact WHERE user_id = :id",
                "SELECT count(*) FROM user_key WHERE user_id = :id",
                // The notifications context, both sides: her inbox, preferences, codes, deliveries; nobody's inbox names her.
                "SELECT count(*) FROM notification WHERE recipient_id = :id OR actor_id = :id OR subject_id = :id",
                "SELECT count(*) FROM notification_preference_view WHERE user_id = :id",
                "SELECT count(*) FROM notification_preference WHERE user_id = :id",
                "SELECT count(*) FROM notification_recipient WHERE user_id = :id",
                "SELECT count(*) FROM notification_digest_item WHERE user_id = :id OR actor_id = :id",
                "SELECT count(*) FROM contact_code WHERE user_id = :id",
                "SELECT count(*) FROM outbound_delivery WHERE user_id = :id",
                // A failed download's process manager waits for a retry, holding the URL: the erasure ends it.
                "SELECT count(*) FROM saga_entry WHERE position(CAST(:id AS text) IN convert_from(serialized_saga, 'UTF8')) > 0")) {
            assertThat(count(query, userId)).as(query).isZero();
        }
    }

    private void rebuild(ApiClient api, String model) {
        String admin = TestTokens.admin("ops");
        HttpResponse<String> started = api.postJson("/api/admin/projections/" + model + "/rebuild", admin, "");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(90)).until(() -> json.readTree(api.get(location, admin).body()).get("state").asString()
                .equals("COMPLETED"));
    }

    private String completedDownload(ApiClient api, String token, String url) {
        String location = api.postJson("/api/downloads", token, "{\"url\":\"" + url + "\"}").headers().firstValue("Location").orElseThrow();
        await().atMost(WAIT).until(() -> status(api, location, token).equals("COMPLETED"));
        return json.readTree(api.get(location, token).body()).get("imageId").asString();
    }

    /** The download's status, or the HTTP status when it cannot be read. */
    private static String status(ApiClient api, String location, String token) {
        HttpResponse<String> response = api.get(location, token);
        return response.statusCode() == 200 ? json.readTree(response.body()).get("status").asString() : String.valueOf(response.statusCode());
    }

    private String register(ApiClient api, String name, String displayName) {
        String id = name + "-" + UUID.randomUUID();
        accepted(api.postJson("/api/users", TestTokens.user(id), "{\"displayName\":\"" + displayName + "\"}"));
        await().atMost(WAIT).until(() -> api.get("/api/users/" + id, TestTokens.user(id)).statusCode() == 200);
        return id;
    }

    private static JsonNode list(ApiClient api, String token, String list) {
        HttpResponse<String> response = api.get("/api/users/me/" + list, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private List<String> payloadsMentioning(String userId) {
        return jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE convert_from(payload, 'UTF8') LIKE :id")
                .param("id", "%" + userId + "%").query(String.class).list();
    }

    private long count(String sql, String userId) {
        return jdbc.sql(sql).param("id", userId).query(Long.class).single();
    }

    private static void accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }
}
