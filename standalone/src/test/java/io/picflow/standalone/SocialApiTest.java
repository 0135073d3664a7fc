package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.users.UserIds;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
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

/** Users, favorites, mutuals, shortlists, exclusions and image favorites through the REST API, both sides, real database. */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SocialApiTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final TestImageServer images = new TestImageServer().start();

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        StandaloneTestProperties.register(registry, "picflow-social");
    }

    @AfterAll
    static void stopImageServer() {
        images.close();
    }

    @Test
    void users_register_once_and_show_a_public_profile_without_contact_details() {
        ApiClient api = ApiClient.onPort(port);
        String id = "reg-" + UUID.randomUUID();
        String token = TestTokens.user(id);
        HttpResponse<String> accepted = api.postJson("/api/users", token, "{\"displayName\":\"Ada\",\"email\":\"ada@example.com\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(accepted.headers().firstValue("Location")).hasValue("/api/users/" + id);

        await().atMost(WAIT).until(() -> api.get("/api/users/" + id, token).statusCode() == 200);
        String profile = api.get("/api/users/" + id, token).body();
        assertThat(json.readTree(profile).get("displayName").asString()).isEqualTo("Ada");
        assertThat(profile).doesNotContain("ada@example.com");
        assertThat(jdbc.sql("SELECT email FROM user_contact WHERE user_id = :id").param("id", id).query(String.class).single())
                .isEqualTo("ada@example.com");
        assertThat(eventPayloads(id)).noneMatch(payload -> payload.contains("ada@example.com"));

        assertThat(api.postJson("/api/users", token, "{\"displayName\":\"Ada\"}").statusCode()).isEqualTo(202);
        assertProblem(api.postJson("/api/users", token, "{\"displayName\":\"Someone else\"}"), 409);
        assertProblem(api.postJson("/api/users", token, "{\"displayName\":\"\"}"), 400);
        assertProblem(api.postJson("/api/users", token, "{\"displayName\":\"Ada\",\"email\":\"not-an-email\"}"), 400);

        assertThat(api.send("DELETE", "/api/users/me/contact", token, HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(204);
        assertThat(jdbc.sql("SELECT count(*) FROM user_contact WHERE user_id = :id").param("id", id).query(Integer.class).single())
                .isZero();
        assertProblem(api.get("/api/users/nobody-" + UUID.randomUUID(), token), 404);
    }

    @Test
    void favorites_become_mutual_once_and_exclusions_remove_them_both_ways() {
        ApiClient api = ApiClient.onPort(port);
        String ann = register(api, "ann");
        String bob = register(api, "bob");
        String annToken = TestTokens.user(ann);
        String bobToken = TestTokens.user(bob);

        assertProblem(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + ann + "\"}"), 400);
        assertProblem(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"ghost-" + UUID.randomUUID() + "\"}"), 404);
        assertProblem(api.postJson("/api/users/me/favorites", TestTokens.user("unregistered-" + UUID.randomUUID()),
                "{\"userId\":\"" + bob + "\"}"), 409);
        assertProblem(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\",\"source\":\"Bad Source!\"}"), 400);

        assertThat(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\",\"source\":\"search_page\"}")
                .statusCode()).isEqualTo(202);
        assertThat(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\"}").statusCode()).isEqualTo(202);
        JsonNode annFavorites = awaitList(api, annToken, "favorites", 1);
        assertThat(annFavorites.get("items").get(0).get("userId").asString()).isEqualTo(bob);
        assertThat(annFavorites.get("items").get(0).get("displayName").asString()).isEqualTo("bob");
        assertThat(annFavorites.get("items").get(0).get("source").asString()).isEqualTo("search_page");
        awaitList(api, bobToken, "favorited-by", 1);
        assertThat(list(api, annToken, "mutuals").get("total").asLong()).isZero();

        assertThat(api.postJson("/api/users/me/favorites", bobToken, "{\"userId\":\"" + ann + "\"}").statusCode()).isEqualTo(202);
        assertThat(awaitList(api, annToken, "mutuals", 1).get("items").get(0).get("userId").asString()).isEqualTo(bob);
        assertThat(awaitList(api, bobToken, "mutuals", 1).get("items").get(0).get("userId").asString()).isEqualTo(ann);
        // Favoriting twice emitted nothing: two favorites and one mutual in the pair's history.
        assertThat(eventTypes(ann, bob)).containsExactly("UserFavorited", "UserFavorited", "MutualFavoriteFormed");

        assertThat(api.postJson("/api/users/me/shortlist", bobToken, "{\"userId\":\"" + ann + "\",\"note\":\"portraits\"}")
                .statusCode()).isEqualTo(202);
        assertThat(awaitList(api, bobToken, "shortlist", 1).get("items").get(0).get("note").asString()).isEqualTo("portraits");

        // Bob excludes Ann: the favorites go both ways, Ann cannot favorite Bob, and Bob's lists hide her.
        assertThat(api.postJson("/api/users/me/exclusions", bobToken, "{\"userId\":\"" + ann + "\",\"reason\":\"spam\"}")
                .statusCode()).isEqualTo(202);
        awaitList(api, annToken, "favorites", 0);
        awaitList(api, annToken, "mutuals", 0);
        awaitList(api, bobToken, "favorites", 0);
        awaitList(api, bobToken, "shortlist", 0);
        assertThat(awaitList(api, bobToken, "exclusions", 1).get("items").get(0).get("reason").asString()).isEqualTo("spam");
        assertProblem(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\"}"), 403);
        assertProblem(api.postJson("/api/users/me/favorites", bobToken, "{\"userId\":\"" + ann + "\"}"), 409);
        assertThat(eventTypes(ann, bob)).endsWith("UserExcluded", "UserUnfavorited", "MutualFavoriteDissolved", "UserUnfavorited");

        assertThat(api.send("DELETE", "/api/users/me/exclusions/" + ann, bobToken, HttpRequest.BodyPublishers.noBody())
                .statusCode()).isEqualTo(202);
        awaitList(api, bobToken, "exclusions", 0);
        assertThat(awaitList(api, bobToken, "shortlist", 1).get("total").asLong()).isEqualTo(1);
        assertThat(api.postJson("/api/users/me/favorites", annToken, "{\"userId\":\"" + bob + "\"}").statusCode()).isEqualTo(202);
        awaitList(api, bobToken, "favorited-by", 1);

        String metrics = api.get("/actuator/prometheus", null).body();
        assertThat(metrics).contains("picflow_favorites_favorited_total").contains("picflow_favorites_unfavorited_total")
                .contains("picflow_favorites_mutuals_formed_total");
    }

    @Test
    void a_stored_image_can_be_favorited_and_shows_its_favorite_count() {
        ApiClient api = ApiClient.onPort(port);
        String cat = register(api, "cat");
        String catToken = TestTokens.user(cat);
        String location = api.postJson("/api/downloads", catToken, "{\"url\":\"" + images.url("/img/11.png") + "\"}")
                .headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                json.readTree(api.get(location, catToken).body()).get("status").asString().equals("COMPLETED"));
        String imageId = json.readTree(api.get(location, catToken).body()).get("imageId").asString();

        assertProblem(api.postJson("/api/users/me/favorite-images", catToken, "{\"imageId\":\"" + "0".repeat(64) + "\"}"), 404);
        assertThat(api.postJson("/api/users/me/favorite-images", catToken, "{\"imageId\":\"" + imageId + "\",\"source\":\"gallery\"}")
                .statusCode()).isEqualTo(202);
        assertThat(awaitList(api, catToken, "favorite-images", 1).get("items").get(0).get("imageId").asString()).isEqualTo(imageId);
        await().atMost(WAIT).until(() ->
                json.readTree(api.get("/api/images/" + imageId, catToken).body()).get("favoriteCount").asLong() == 1);

        assertThat(api.send("DELETE", "/api/users/me/favorite-images/" + imageId, catToken, HttpRequest.BodyPublishers.noBody())
                .statusCode()).isEqualTo(202);
        awaitList(api, catToken, "favorite-images", 0);
        assertThat(json.readTree(api.get("/api/images/" + imageId, catToken).body()).get("favoriteCount").asLong()).isZero();
    }

    private String register(ApiClient api, String name) {
        String id = name + "-" + UUID.randomUUID();
        assertThat(api.postJson("/api/users", TestTokens.user(id), "{\"displayName\":\"" + name + "\"}").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> api.get("/api/users/" + id, TestTokens.user(id)).statusCode() == 200);
        return id;
    }

    private JsonNode list(ApiClient api, String token, String list) {
        HttpResponse<String> response = api.get("/api/users/me/" + list, token);
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private JsonNode awaitList(ApiClient api, String token, String list, long total) {
        await().atMost(WAIT).until(() -> list(api, token, list).get("total").asLong() == total);
        JsonNode page = list(api, token, list);
        assertThat(page.get("items").size()).isEqualTo((int) total);
        return page;
    }

    private List<String> eventTypes(String a, String b) {
        return jdbc.sql("SELECT payload_type FROM domain_event_entry WHERE aggregate_identifier = :id ORDER BY sequence_number")
                .param("id", UserIds.pair(a, b)).query(String.class).list().stream()
                .map(type -> type.substring(type.lastIndexOf('.') + 1)).toList();
    }

    private List<String> eventPayloads(String userId) {
        return jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE convert_from(payload, 'UTF8') LIKE :id")
                .param("id", "%" + userId + "%").query(String.class).list();
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }
}
