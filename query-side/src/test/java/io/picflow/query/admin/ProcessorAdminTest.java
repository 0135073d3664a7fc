package io.picflow.query.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.axon.InspectableJdbcTokenStore;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/admin/processors} against the running query side: every processing group's processor with
 * its segments, their owner (this node) and positions; a paused processor leaves its read model behind
 * while the others go on, and catches up once started again. The processor is started again whatever
 * happens: the context's other tests need it.
 */
class ProcessorAdminTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final String ADMIN = TestTokens.admin("ops");

    @Autowired
    JdbcClient jdbc;

    @Test
    void every_query_processor_is_listed_with_its_segments_owner_position_and_lag() {
        // An event every group reads, so that every segment has a position at or past it.
        String userId = "listed-" + UUID.randomUUID();
        String eventId = UUID.randomUUID().toString();
        eventStore.publish(registration(userId, eventId));
        long position = globalIndex(eventId);

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonNode processors = json.readTree(get("/api/admin/processors").body());
            for (String group : QuerySideConfiguration.ALL_PROCESSING_GROUPS) {
                JsonNode processor = find(processors, group);
                assertThat(processor).as(group).isNotNull();
                assertThat(processor.get("type").asString()).as(group).isEqualTo("pooled");
                assertThat(processor.get("running").asBoolean()).as(group).isTrue();
                assertThat(processor.get("head").asLong()).as(group).isGreaterThanOrEqualTo(position);
                assertThat(processor.get("lag").asLong()).as(group).isGreaterThanOrEqualTo(0);
                assertThat(processor.get("segments").size()).as(group).isPositive();
                for (JsonNode segment : processor.get("segments")) {
                    assertThat(segment.get("owner").asString()).as(group).isEqualTo(InspectableJdbcTokenStore.THIS_NODE);
                    assertThat(segment.get("claimedHere").asBoolean()).as(group).isTrue();
                    assertThat(segment.get("position").asLong()).as(group).isGreaterThanOrEqualTo(position);
                    assertThat(segment.get("errorState").asBoolean()).as(group).isFalse();
                }
            }
        });
        // As configured (picflow-query-side.properties); the JDBC groups' rows also carry when they were last written.
        JsonNode users = json.readTree(get("/api/admin/processors/users").body());
        assertThat(users.get("segments").size()).isEqualTo(2);
        assertThat(users.get("segments").get(0).get("updatedAt").asString()).isNotBlank();
        assertThat(json.readTree(get("/api/admin/processors/cache").body()).get("segments").size()).isEqualTo(1);
    }

    @Test
    void a_paused_processor_leaves_its_read_model_behind_while_the_others_go_on_and_catches_up_when_started() {
        // Every segment of users that has handled an event has stored its position with it: handle one first.
        String before = "before-pause-" + UUID.randomUUID();
        eventStore.publish(registration(before, UUID.randomUUID().toString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> profiles(before) == 1);
        try {
            HttpResponse<String> paused = post("/api/admin/processors/users/pause");
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(202);
            JsonNode state = json.readTree(paused.body());
            assertThat(state.get("running").asBoolean()).isFalse();
            // Its segments are released, with the positions they had reached.
            for (JsonNode segment : state.get("segments")) {
                assertThat(absent(segment, "owner")).as(segment.toString()).isTrue();
                assertThat(segment.get("claimedHere").asBoolean()).isFalse();
            }

            // A registration, then a download request that another processor (downloads) projects.
            String userId = "paused-" + UUID.randomUUID();
            String eventId = UUID.randomUUID().toString();
            String marker = "marker-" + UUID.randomUUID();
            eventStore.publish(List.of(registration(userId, eventId), downloadRequest(marker)));
            long position = globalIndex(eventId);

            // Once the running downloads processor is past the registration, users still has not handled it.
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("SELECT count(*) FROM download WHERE download_id = :id")
                    .param("id", marker).query(Long.class).single() == 1);
            assertThat(profiles(userId)).isZero();
            JsonNode behind = json.readTree(get("/api/admin/processors/users").body());
            assertThat(behind.get("running").asBoolean()).isFalse();
            // (A segment's position is the one stored with its token; one that never stored a token has none.)
            List<Long> positions = new ArrayList<>();
            behind.get("segments").forEach(segment -> {
                if (!absent(segment, "position")) {
                    positions.add(segment.get("position").asLong());
                }
            });
            assertThat(positions).isNotEmpty().allSatisfy(reached -> assertThat(reached).isLessThan(position));
            assertThat(behind.get("lag").asLong()).isPositive();

            HttpResponse<String> started = post("/api/admin/processors/users/start");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            assertThat(json.readTree(started.body()).get("running").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> profiles(userId) == 1);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                for (JsonNode segment : json.readTree(get("/api/admin/processors/users").body()).get("segments")) {
                    assertThat(segment.get("claimedHere").asBoolean()).isTrue();
                    assertThat(segment.get("position").asLong()).isGreaterThanOrEqualTo(position);
                }
            });
        } finally {
            processing.eventProcessor("users", EventProcessor.class).filter(processor -> !processor.isRunning())
                    .ifPresent(EventProcessor::start);
        }
    }

    @Test
    void unknown_processors_are_404_and_the_api_is_for_admins_only() {
        assertThat(post("/api/admin/processors/no-such-processor/pause").statusCode()).isEqualTo(404);
        assertThat(post("/api/admin/processors/no-such-processor/start").statusCode()).isEqualTo(404);
        assertThat(get("/api/admin/processors/no-such-processor").statusCode()).isEqualTo(404);
        HttpResponse<String> forbidden = api().send("POST", "/api/admin/processors/users/pause", TestTokens.user("mallory"),
                HttpRequest.BodyPublishers.noBody());
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
        assertThat(processing.eventProcessor("users", EventProcessor.class).orElseThrow().isRunning()).isTrue();
    }

    private static JsonNode find(JsonNode processors, String name) {
        for (JsonNode processor : processors) {
            if (name.equals(processor.get("name").asString())) {
                return processor;
            }
        }
        return null;
    }

    private long globalIndex(String eventId) {
        return jdbc.sql("SELECT global_index FROM domain_event_entry WHERE event_identifier = :id").param("id", eventId)
                .query(Long.class).single();
    }

    private long profiles(String userId) {
        return jdbc.sql("SELECT count(*) FROM user_profile WHERE user_id = :id").param("id", userId).query(Long.class).single();
    }

    private GenericDomainEventMessage<?> registration(String userId, String eventId) {
        return new GenericDomainEventMessage<>("User", "user-" + userId, 0, new UserRegistered(userId, seal(userId, "Processor admin")),
                Map.of(MetadataKeys.CORRELATION_ID, "processor-admin"), eventId, Instant.now());
    }

    private static GenericDomainEventMessage<?> downloadRequest(String downloadId) {
        return new GenericDomainEventMessage<>("ImageDownload", downloadId, 0,
                new ImageDownloadRequested(downloadId, "https://example.com/marker.png", "marker.png", List.of(), "ops"),
                Map.of(MetadataKeys.CORRELATION_ID, "processor-admin"), UUID.randomUUID().toString(), Instant.now());
    }

    private static boolean absent(JsonNode node, String field) {
        return !node.has(field) || node.get(field).isNull();
    }

    private HttpResponse<String> get(String path) {
        return api().get(path, ADMIN);
    }

    private HttpResponse<String> post(String path) {
        return api().send("POST", path, ADMIN, HttpRequest.BodyPublishers.noBody());
    }
}
