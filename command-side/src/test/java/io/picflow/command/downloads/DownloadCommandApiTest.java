package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.picflow.command.support.CommandSideTest;
import io.picflow.devservices.RawHttp;
import io.picflow.devservices.TestTokens;
import io.picflow.events.downloads.ImageDownloadRequested;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.modelling.command.ConcurrencyException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** POST /api/downloads through real HTTP, security and filters, into the real PostgreSQL event store. */
class DownloadCommandApiTest extends CommandSideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    EventStorageEngine storageEngine;

    @Autowired
    DataSource dataSource;

    private final String alice = TestTokens.user("alice");

    @Test
    void an_accepted_request_answers_202_with_where_to_follow_it_and_stores_a_correlated_event() {
        HttpResponse<String> response = api().postJson("/api/downloads", alice,
                "{\"url\":\"https://example.com/cat.png\",\"fileName\":\"cat.png\",\"tags\":[\"cats\",\"cute\"]}",
                "X-Correlation-Id", "corr-accept-1");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode body = json.readTree(response.body());
        String downloadId = body.get("downloadId").asString();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/downloads/" + downloadId);
        assertThat(response.headers().firstValue("X-Correlation-Id")).hasValue("corr-accept-1");
        assertThat(body.get("correlationId").asString()).isEqualTo("corr-accept-1");
        assertThat(body.get("status").asString()).isEqualTo("REQUESTED");

        Map<String, Object> event = jdbc.sql("SELECT payload_type, payload_revision, convert_from(payload, 'UTF8') AS payload, "
                        + "convert_from(meta_data, 'UTF8') AS meta_data FROM domain_event_entry WHERE aggregate_identifier = :id "
                        + "AND sequence_number = 0")
                .param("id", downloadId).query().singleRow();
        assertThat(event.get("payload_type")).isEqualTo(ImageDownloadRequested.class.getName());
        assertThat(event.get("payload_revision")).isEqualTo("1");
        JsonNode payload = json.readTree((String) event.get("payload"));
        assertThat(payload.get("url").asString()).isEqualTo("https://example.com/cat.png");
        assertThat(payload.get("requestedBy").asString()).isEqualTo("alice");
        assertThat(payload.get("tags").toString()).isEqualTo("[\"cats\",\"cute\"]");
        JsonNode metadata = json.readTree((String) event.get("meta_data"));
        assertThat(metadata.get("correlationId").asString()).isEqualTo("corr-accept-1");
        assertThat(metadata.get("userId").asString()).isEqualTo("alice");
        // The event's cause is the command message, not the request: a real causal chain.
        assertThat(metadata.get("causationId").asString()).isNotBlank().isNotEqualTo("corr-accept-1");
    }

    @Test
    void a_header_value_the_firewall_refuses_is_a_400_problem_when_a_controller_reads_it() {
        // U+0085 is a control character: Tomcat passes it on, Spring Security's firewall refuses it when the header is read.
        RawHttp.Response response = RawHttp.send(port, "POST /api/downloads HTTP/1.1",
                "{\"url\":\"https://example.com/k.png\"}".getBytes(StandardCharsets.UTF_8),
                "Authorization: Bearer " + alice, "Content-Type: application/json", "Idempotency-Key: key\u0085");

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(json.readTree(response.body()).get("detail").asString()).contains("Idempotency-Key", "not allowed");
    }

    @Test
    void a_request_without_a_correlation_id_gets_a_new_one() {
        HttpResponse<String> response = api().postJson("/api/downloads", alice, "{\"url\":\"http://example.com/a.gif\"}");
        assertThat(response.statusCode()).isEqualTo(202);
        String header = response.headers().firstValue("X-Correlation-Id").orElseThrow();
        assertThat(UUID.fromString(header)).isNotNull();
        assertThat(json.readTree(response.body()).get("correlationId").asString()).isEqualTo(header);
    }

    @Test
    void invalid_requests_get_400_problems_that_say_what_is_wrong_and_store_nothing() {
        long eventsBefore = eventCount();
        String tooManyTags = IntStream.range(0, 33).mapToObj(i -> "\"t" + i + "\"").collect(Collectors.joining(",", "[", "]"));
        Map<String, String> bodies = Map.of(
                "{\"url\":\"ftp://example.com/a.png\"}", "url",
                "{\"url\":\"/relative/a.png\"}", "url",
                "{\"url\":\"https://user:secret@example.com/a.png\"}", "credentials",
                "{\"url\":\"https://user:secret@127.0.0.1./a.png\"}", "credentials",
                "{\"fileName\":\"a.png\"}", "url",
                "{\"url\":\"https://example.com/" + "a".repeat(2100) + "\"}", "url",
                "{\"url\":\"https://example.com/a.png\",\"tags\":" + tooManyTags + "}", "tags",
                "{\"url\":\"https://example.com/a.png\",\"tags\":[\"" + "x".repeat(65) + "\"]}", "tags",
                "{\"url\":\"https://example.com/a.png\",\"fileName\":\"../etc/passwd\"}", "fileName",
                "{\"url\": ", "JSON");
        bodies.forEach((body, mentions) -> {
            HttpResponse<String> response = api().postJson("/api/downloads", alice, body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
            assertThat(json.readTree(response.body()).get("detail").asString()).as(body).contains(mentions);
        });
        assertThat(eventCount()).isEqualTo(eventsBefore);
    }

    @Test
    void protocol_errors_are_problems_too() {
        HttpResponse<String> wrongType = api().send("POST", "/api/downloads", alice,
                HttpRequest.BodyPublishers.ofString("url=https://example.com"), "Content-Type", "text/plain");
        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(wrongType.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> tooLarge = api().postJson("/api/downloads", alice,
                "{\"url\":\"https://example.com/a.png\",\"fileName\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> wrongMethod = api().send("DELETE", "/api/downloads", alice, HttpRequest.BodyPublishers.noBody());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> unknown = api().get("/api/nothing-here", alice);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(unknown.body()).doesNotContain("Exception").doesNotContain("at org.");
    }

    @Test
    void authentication_and_roles_are_enforced() {
        String body = "{\"url\":\"https://example.com/a.png\"}";
        HttpResponse<String> noToken = api().postJson("/api/downloads", null, body);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(noToken.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        String forged = TestTokens.token("alice", List.of("user"), Instant.now().plusSeconds(60),
                "another-secret-that-is-long-enough-for-hs256");
        assertThat(api().postJson("/api/downloads", forged, body).statusCode()).isEqualTo(401);

        String expired = TestTokens.token("alice", List.of("user"), Instant.now().minusSeconds(3600), TestTokens.SECRET);
        assertThat(api().postJson("/api/downloads", expired, body).statusCode()).isEqualTo(401);

        String hugeSubject = TestTokens.token("u".repeat(256), List.of("user"), Instant.now().plusSeconds(60), TestTokens.SECRET);
        assertThat(api().postJson("/api/downloads", hugeSubject, body).statusCode()).isEqualTo(401);

        String noRole = TestTokens.token("alice", List.of(), Instant.now().plusSeconds(60), TestTokens.SECRET);
        HttpResponse<String> forbidden = api().postJson("/api/downloads", noRole, body);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void tokens_need_exp_the_configured_issuer_and_a_bounded_lifetime_and_the_401_names_the_failing_claim() {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> noExpiry = TestTokens.claims("alice", List.of("user"));
        noExpiry.remove("exp");
        assertRefused(noExpiry, "The token has no exp claim");

        Map<String, Object> expired = TestTokens.claims("alice", List.of("user"));
        expired.put("iat", now - 7200);
        expired.put("exp", now - 3600);
        assertRefused(expired, "The token expired at " + Instant.ofEpochSecond(now - 3600) + " (exp claim)");

        Map<String, Object> noIssuer = TestTokens.claims("alice", List.of("user"));
        noIssuer.remove("iss");
        assertRefused(noIssuer, "The token has no iss claim");

        Map<String, Object> otherIssuer = TestTokens.claims("alice", List.of("user"));
        otherIssuer.put("iss", "picflow-dev");
        assertRefused(otherIssuer, "The token's iss claim \"picflow-dev\" is not the configured issuer \"picflow\"");

        Map<String, Object> longLived = TestTokens.claims("alice", List.of("user"));
        longLived.put("iat", now); // not claims()'s own clock reading, which may be a second later
        longLived.put("exp", now + 48 * 3600);
        assertRefused(longLived, "The token's lifetime (exp - iat) of 48h exceeds the maximum of 24h");

        Map<String, Object> longLivedWithoutIat = TestTokens.claims("alice", List.of("user"));
        longLivedWithoutIat.remove("iat");
        longLivedWithoutIat.put("exp", now + 48 * 3600);
        HttpResponse<String> withoutIat = assertRefused(longLivedWithoutIat, null);
        assertThat(json.readTree(withoutIat.body()).get("detail").asString()) // now has moved on by a second or so
                .matches("The token's lifetime \\(exp - now\\) of 47h59m5\\ds exceeds the maximum of 24h");

        // Else a far-future iat would make a token valid for years look short-lived.
        Map<String, Object> futureIat = TestTokens.claims("alice", List.of("user"));
        futureIat.put("iat", now + 365L * 24 * 3600);
        futureIat.put("exp", now + 365L * 24 * 3600 + 3600);
        assertRefused(futureIat, "The token's iat claim (" + Instant.ofEpochSecond(now + 365L * 24 * 3600) + ") is in the future");

        Map<String, Object> endsAsItStarts = TestTokens.claims("alice", List.of("user"));
        endsAsItStarts.put("exp", now);
        endsAsItStarts.put("iat", now);
        assertRefused(endsAsItStarts, "The token's exp claim (" + Instant.ofEpochSecond(now) + ") is not after its iat claim ("
                + Instant.ofEpochSecond(now) + ")");

        Map<String, Object> everythingWrong = TestTokens.claims("", List.of("user"));
        everythingWrong.remove("exp");
        everythingWrong.put("iss", "elsewhere");
        assertRefused(everythingWrong, "The token has no exp claim; The token's iss claim \"elsewhere\" is not the configured "
                + "issuer \"picflow\"; The token's sub claim must be 1 to 255 characters");

        String forged = TestTokens.token("alice", List.of("user"), Instant.now().plusSeconds(60),
                "another-secret-that-is-long-enough-for-hs256");
        HttpResponse<String> unverifiable = api().postJson("/api/downloads", forged, "{\"url\":\"https://example.com/a.png\"}");
        assertThat(unverifiable.statusCode()).isEqualTo(401);
        assertThat(json.readTree(unverifiable.body()).get("detail").asString())
                .isEqualTo("The bearer token is malformed or not signed with the configured secret");

        // The longest lifetime allowed is allowed.
        Map<String, Object> longest = TestTokens.claims("alice", List.of("user"));
        longest.put("exp", now + 24 * 3600);
        assertThat(api().postJson("/api/downloads", TestTokens.signed(longest, TestTokens.SECRET),
                "{\"url\":\"https://example.com/longest.png\"}").statusCode()).isEqualTo(202);
    }

    /** 401 problem+json whose detail, and the challenge's error_description, say exactly what is wrong. */
    private HttpResponse<String> assertRefused(Map<String, Object> claims, String expectedDetail) {
        String token = TestTokens.signed(claims, TestTokens.SECRET);
        HttpResponse<String> response = api().postJson("/api/downloads", token, "{\"url\":\"https://example.com/a.png\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).doesNotContain(token).doesNotContain(TestTokens.SECRET);
        String detail = json.readTree(response.body()).get("detail").asString();
        if (expectedDetail != null) {
            assertThat(detail).isEqualTo(expectedDetail);
        }
        // RFC 6750 allows no double quote inside error_description: quoted claim values come in single quotes.
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer error=\"invalid_token\", error_description=\"" + detail.replace('"', '\'') + "\"");
        return response;
    }

    @Test
    void dev_tokens_do_not_exist_outside_the_embedded_run() {
        HttpResponse<String> response = api().postJson("/api/dev/tokens", null, "{\"userId\":\"mallory\",\"roles\":[\"admin\"]}");
        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void the_same_idempotency_key_returns_the_same_download_and_creates_nothing_new() {
        String key = "key-" + UUID.randomUUID();
        String body = "{\"url\":\"https://example.com/once.png\",\"tags\":[\"a\"]}";
        HttpResponse<String> first = api().postJson("/api/downloads", alice, body, "Idempotency-Key", key);
        HttpResponse<String> second = api().postJson("/api/downloads", alice, body, "Idempotency-Key", key);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.statusCode()).isEqualTo(202);
        String downloadId = json.readTree(first.body()).get("downloadId").asString();
        assertThat(json.readTree(second.body()).get("downloadId").asString()).isEqualTo(downloadId);
        assertThat(second.headers().firstValue("Location")).hasValue("/api/downloads/" + downloadId);
        assertThat(second.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = :type AND convert_from(payload, 'UTF8') LIKE '%once.png%'")
                .param("type", ImageDownloadRequested.class.getName()).query(Long.class).single()).isEqualTo(1);

        // The key is per user: another user's identical key is a different request.
        HttpResponse<String> bob = api().postJson("/api/downloads", TestTokens.user("bob"), body, "Idempotency-Key", key);
        assertThat(bob.statusCode()).isEqualTo(202);
        assertThat(json.readTree(bob.body()).get("downloadId").asString()).isNotEqualTo(downloadId);
    }

    @Test
    void reusing_an_idempotency_key_with_another_body_is_422() {
        String key = "key-" + UUID.randomUUID();
        assertThat(api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/1.png\"}",
                "Idempotency-Key", key).statusCode()).isEqualTo(202);
        HttpResponse<String> other = api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/2.png\"}",
                "Idempotency-Key", key);
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void idempotency_keys_are_forgotten_after_their_retention() {
        String key = "old-" + UUID.randomUUID();
        assertThat(api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/old.png\"}",
                "Idempotency-Key", key).statusCode()).isEqualTo(202);
        jdbc.sql("UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE idempotency_key = :key")
                .param("key", key).update();

        IdempotencyKeyRetention.deleteOlderThan(jdbc, java.time.Duration.ofHours(24));

        assertThat(jdbc.sql("SELECT count(*) FROM idempotency_key WHERE idempotency_key = :key").param("key", key)
                .query(Long.class).single()).isZero();
        // The same key now creates a new download.
        assertThat(api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/other.png\"}",
                "Idempotency-Key", key).statusCode()).isEqualTo(202);
    }

    @Test
    void a_repeat_while_the_first_request_is_in_flight_is_409() throws Exception {
        String key = "key-" + UUID.randomUUID();
        // Hold the key's lock the way an in-flight request does, from another connection.
        try (Connection connection = dataSource.getConnection();
             PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 0))")) {
            lock.setString(1, "idempotency:alice:" + key);
            lock.execute();
            HttpResponse<String> repeat = api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/f.png\"}",
                    "Idempotency-Key", key);
            assertThat(repeat.statusCode()).isEqualTo(409);
            assertThat(repeat.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                unlock.execute();
            }
        }
        assertThat(api().postJson("/api/downloads", alice, "{\"url\":\"https://example.com/f.png\"}",
                "Idempotency-Key", key).statusCode()).isEqualTo(202);
    }

    @Test
    void concurrent_appends_to_one_aggregate_raise_a_concurrency_exception() {
        String aggregateId = UUID.randomUUID().toString();
        ImageDownloadRequested payload = new ImageDownloadRequested(aggregateId, "https://example.com/c.png", null, List.of(), "alice");
        storageEngine.appendEvents(new GenericDomainEventMessage<>("ImageDownload", aggregateId, 0, payload));
        storageEngine.appendEvents(new GenericDomainEventMessage<>("ImageDownload", aggregateId, 1, payload));

        assertThatThrownBy(() -> storageEngine.appendEvents(
                new GenericDomainEventMessage<>("ImageDownload", aggregateId, 1, payload)))
                .isInstanceOf(ConcurrencyException.class);
    }

    /** Downloads created so far (other events keep coming: accepted downloads go on to fetch). */
    @Test
    void by_default_downloads_never_reach_private_networks() {
        // This context keeps the default: picflow.downloads.allow-private-addresses=false.
        for (String url : List.of("http://127.0.0.1:" + port + "/actuator/health", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]:" + port + "/", "http://2130706433:" + port + "/", "http://10.0.0.1/internal.png",
                // A trailing dot is DNS's root: the same literal or name, accepted as such and refused when fetched.
                "http://127.0.0.1.:" + port + "/", "http://localhost.:" + port + "/", "http://2130706433.:" + port + "/",
                "http://[::ffff:127.0.0.1]:" + port + "/", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/")) {
            String id = json.readTree(api().postJson("/api/downloads", alice, "{\"url\":\"" + url + "\"}").body())
                    .get("downloadId").asString();
            await(url).atMost(java.time.Duration.ofSeconds(20)).until(() -> jdbc.sql(
                            "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = :id AND payload_type LIKE '%ImageDownloadFailed'")
                    .param("id", id).query(Long.class).single() == 1);
            String failure = jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = :id "
                    + "AND payload_type LIKE '%ImageDownloadFailed'").param("id", id).query(String.class).single();
            assertThat(json.readTree(failure).get("errorCode").asString()).as(url).isEqualTo("FORBIDDEN_ADDRESS");
            assertThat(json.readTree(failure).get("retryable").asBoolean()).as(url).isFalse();
        }
    }

    private long eventCount() {
        return jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = :type")
                .param("type", ImageDownloadRequested.class.getName()).query(Long.class).single();
    }
}
