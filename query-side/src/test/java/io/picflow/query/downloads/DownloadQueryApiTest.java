package io.picflow.query.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Events in the real event store, projected into the real PostgreSQL, read through real HTTP. */
class DownloadQueryApiTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    EventStore eventStore;

    @Autowired
    EventProcessingConfiguration processing;

    @Autowired
    JdbcClient jdbc;

    @Test
    void a_download_is_readable_right_after_its_event_with_the_event_s_time_and_correlation() {
        for (int i = 0; i < 20; i++) {
            Instant requestedAt = Instant.parse("2026-01-02T03:04:05.678Z").plusSeconds(i);
            String id = requested("alice", "https://example.com/" + i + ".png", requestedAt, "corr-" + i);

            // No waiting here: the GET itself waits for a download the event store already knows.
            HttpResponse<String> response = api().get("/api/downloads/" + id, TestTokens.user("alice"));

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = json.readTree(response.body());
            assertThat(body.get("downloadId").asString()).isEqualTo(id);
            assertThat(body.get("url").asString()).isEqualTo("https://example.com/" + i + ".png");
            assertThat(body.get("fileName").asString()).isEqualTo("file.png");
            assertThat(body.get("tags").toString()).isEqualTo("[\"t1\",\"t2\"]");
            assertThat(body.get("status").asString()).isEqualTo("REQUESTED");
            assertThat(body.get("requestedBy").asString()).isEqualTo("alice");
            assertThat(body.get("correlationId").asString()).isEqualTo("corr-" + i);
            assertThat(Instant.parse(body.get("requestedAt").asString())).isEqualTo(requestedAt);
            assertThat(Instant.parse(body.get("updatedAt").asString())).isEqualTo(requestedAt);
        }
    }

    @Test
    void another_user_s_download_is_404_but_admins_see_it() {
        String id = requested("carol", "https://example.com/private.png", Instant.now(), "c");
        assertThat(api().get("/api/downloads/" + id, TestTokens.user("carol")).statusCode()).isEqualTo(200);

        HttpResponse<String> mallory = api().get("/api/downloads/" + id, TestTokens.user("mallory"));
        assertThat(mallory.statusCode()).isEqualTo(404);
        assertThat(mallory.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        assertThat(api().get("/api/downloads/" + id, TestTokens.admin("root")).statusCode()).isEqualTo(200);
    }

    @Test
    void an_unknown_id_is_404_without_waiting_for_projections() {
        long started = System.nanoTime();
        HttpResponse<String> response = api().get("/api/downloads/" + UUID.randomUUID(), TestTokens.user("alice"));
        assertThat(response.statusCode()).isEqualTo(404);
        // Not a timing target: only proves that the read-your-writes wait (5 s) was not taken.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        assertThat(api().get("/api/downloads/not%20an%20id", TestTokens.user("alice")).statusCode()).isEqualTo(400);
    }

    @Test
    void the_list_shows_the_caller_s_downloads_newest_first_in_pages() {
        String user = "lister-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        List<String> ids = List.of(
                requested(user, "https://example.com/1.png", t0, "l1"),
                requested(user, "https://example.com/2.png", t0.plusSeconds(1), "l2"),
                requested(user, "https://example.com/3.png", t0.plusSeconds(2), "l3"));
        requested("someone-else", "https://example.com/x.png", t0.plusSeconds(3), "l4");
        String token = TestTokens.user(user);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                json.readTree(api().get("/api/downloads", token).body()).get("total").asLong() == 3);

        JsonNode first = json.readTree(api().get("/api/downloads?page=0&size=2", token).body());
        assertThat(first.get("page").asInt()).isZero();
        assertThat(first.get("size").asInt()).isEqualTo(2);
        assertThat(first.get("total").asLong()).isEqualTo(3);
        assertThat(first.get("items").valueStream().map(n -> n.get("downloadId").asString()))
                .containsExactly(ids.get(2), ids.get(1));
        JsonNode second = json.readTree(api().get("/api/downloads?page=1&size=2", token).body());
        assertThat(second.get("items").valueStream().map(n -> n.get("downloadId").asString())).containsExactly(ids.get(0));

        assertThat(json.readTree(api().get("/api/downloads?status=REQUESTED", token).body()).get("total").asLong()).isEqualTo(3);
        assertThat(json.readTree(api().get("/api/downloads?status=FAILED", token).body()).get("total").asLong()).isZero();
    }

    @Test
    void bad_list_parameters_are_400_problems() {
        String token = TestTokens.user("alice");
        for (String query : List.of("status=DONE", "size=0", "size=101", "page=-1", "page=x")) {
            HttpResponse<String> response = api().get("/api/downloads?" + query, token);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(query).hasValue("application/problem+json");
        }
    }

    @Test
    void replaying_the_events_rebuilds_the_same_table() {
        requested("replayer", "https://example.com/r.png", Instant.parse("2026-04-01T00:00:00Z"), "r");
        await().atMost(Duration.ofSeconds(10)).until(() -> dump().stream().anyMatch(row -> "replayer".equals(row.get("requested_by"))));
        List<Map<String, Object>> before = dump();

        StreamingEventProcessor processor = processing.eventProcessor("downloads", StreamingEventProcessor.class).orElseThrow();
        TrackingToken head = eventStore.createHeadToken();
        processor.shutDown();
        processor.resetTokens();
        processor.start();
        // Replay is done when every segment has passed the head recorded at the reset.
        await().atMost(Duration.ofSeconds(30)).until(() -> processor.processingStatus().size() == 2
                && processor.processingStatus().values().stream().allMatch(status -> status.getCurrentPosition()
                        .orElse(-1) >= head.position().orElse(0)));

        assertThat(dump()).isEqualTo(before);
    }

    @Test
    void the_lifecycle_shows_progress_attempts_and_errors() {
        String id = requested("lifer", "https://example.com/l.png", Instant.parse("2026-05-01T00:00:00Z"), "l");
        Instant t = Instant.parse("2026-05-01T00:00:01Z");
        publish(id, 1, new ImageFetchStarted(id, 1, 1, 0), t);
        publish(id, 2, new ImageFetchProgressed(id, 1, 500, 2000L), t.plusSeconds(1));
        publish(id, 3, new ImageDownloadRetryScheduled(id, 2, t.plusSeconds(30), "SERVER_ERROR", "HTTP 503"), t.plusSeconds(2));
        String token = TestTokens.user("lifer");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                json.readTree(api().get("/api/downloads/" + id, token).body()).get("status").asString().equals("RETRY_SCHEDULED"));
        JsonNode retrying = json.readTree(api().get("/api/downloads/" + id, token).body());
        assertThat(retrying.get("bytesReceived").asLong()).isEqualTo(500);
        assertThat(retrying.get("totalBytes").asLong()).isEqualTo(2000);
        assertThat(retrying.get("error").get("code").asString()).isEqualTo("SERVER_ERROR");
        assertThat(retrying.get("error").get("retryable").asBoolean()).isTrue();
        assertThat(Instant.parse(retrying.get("nextAttemptAt").asString())).isEqualTo(t.plusSeconds(30));

        publish(id, 4, new ImageFetchStarted(id, 2, 2, 0), t.plusSeconds(30));
        publish(id, 5, new ImageDownloadFailed(id, "HTTP_CLIENT_ERROR", "HTTP 404", false, 2), t.plusSeconds(31));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                json.readTree(api().get("/api/downloads/" + id, token).body()).get("status").asString().equals("FAILED"));
        JsonNode failed = json.readTree(api().get("/api/downloads/" + id, token).body());
        assertThat(failed.get("attempt").asInt()).isEqualTo(2);
        assertThat(failed.get("error").get("code").asString()).isEqualTo("HTTP_CLIENT_ERROR");
        assertThat(failed.get("error").get("retryable").asBoolean()).isFalse();
        assertThat(failed.has("nextAttemptAt")).isFalse();
        assertThat(Instant.parse(failed.get("updatedAt").asString())).isEqualTo(t.plusSeconds(31));
    }

    @Test
    void health_reports_the_database_and_elasticsearch() {
        HttpResponse<String> response = api().get("/actuator/health", null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode components = json.readTree(response.body()).get("components");
        assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
        assertThat(components.get("elasticsearch").get("status").asString()).isEqualTo("UP");
    }

    private String requested(String user, String url, Instant at, String correlationId) {
        String id = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, 0,
                new ImageDownloadRequested(id, url, "file.png", List.of("t1", "t2"), user),
                Map.of(MetadataKeys.CORRELATION_ID, correlationId, MetadataKeys.USER_ID, user),
                UUID.randomUUID().toString(), at));
        return id;
    }

    private void publish(String id, long sequence, Object payload, Instant at) {
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "l"), UUID.randomUUID().toString(), at));
    }

    private List<Map<String, Object>> dump() {
        return jdbc.sql("SELECT download_id, url, file_name, array_to_string(tags, ',') AS tags, status, requested_by, "
                + "correlation_id, requested_at, updated_at FROM download ORDER BY download_id").query().listOfRows();
    }
}
