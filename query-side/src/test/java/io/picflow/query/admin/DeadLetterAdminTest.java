package io.picflow.query.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/admin/dead-letters} against the real queues: an event the users read model refuses is
 * listed with its cause, fails again while the cause is there, is projected by a retry once the cause is
 * fixed, and an evicted one is never applied.
 *
 * <p>The cause is a check constraint that refuses only this test's users, added before each test and
 * dropped after it, so that the fix is in the test's hands and the context's other tests never meet it.
 * Nothing of this test stays parked (other tests count the users group's letters), and what it leaves in
 * the read model is what a rebuild from the events gives (RebuildTest compares the two).
 */
class DeadLetterAdminTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final String CONSTRAINT = "dead_letter_admin_test_refuses";
    private static final String REFUSED_PREFIX = "dla-refused-";
    private static final String ADMIN = TestTokens.admin("ops");

    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void refuseThisTestsUsers() {
        jdbc.sql("ALTER TABLE user_profile DROP CONSTRAINT IF EXISTS " + CONSTRAINT).update();
        jdbc.sql("ALTER TABLE user_profile ADD CONSTRAINT " + CONSTRAINT + " CHECK (user_id NOT LIKE '" + REFUSED_PREFIX + "%') NOT VALID")
                .update();
    }

    @AfterEach
    void acceptThemAgainAndLeaveNoLetters() {
        jdbc.sql("ALTER TABLE user_profile DROP CONSTRAINT IF EXISTS " + CONSTRAINT).update();
        SequencedDeadLetterQueue<EventMessage<?>> queue = processing.deadLetterQueue("users").orElseThrow();
        List<DeadLetter<? extends EventMessage<?>>> ours = new ArrayList<>();
        for (Iterable<DeadLetter<? extends EventMessage<?>>> sequence : queue.deadLetters()) {
            for (DeadLetter<? extends EventMessage<?>> letter : sequence) {
                if (letter.message() instanceof DomainEventMessage<?> event && event.getAggregateIdentifier().startsWith("user-" + REFUSED_PREFIX)) {
                    ours.add(letter);
                }
            }
        }
        ours.forEach(queue::evict);
    }

    @Test
    void a_parked_sequence_is_listed_with_its_cause_fails_again_while_broken_and_is_projected_once_fixed_or_evicted() {
        String userId = REFUSED_PREFIX + UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // Two registrations of one user, as two aggregates: two parked sequences. The second is the one evicted; a rebuild
        // would apply it as a no-op (same row), so the read model stays what its events give.
        String retried = "user-" + userId;
        String evicted = "user-" + userId + "-again";
        eventStore.publish(List.of(registration(retried, userId, at), registration(evicted, userId, at)));

        await().atMost(Duration.ofSeconds(30)).until(() -> sequence(retried).isPresent() && sequence(evicted).isPresent());

        // The summary names every query processing group, the users group with (at least) these two sequences.
        JsonNode groups = json.readTree(get("/api/admin/dead-letters").body());
        List<String> names = new ArrayList<>();
        groups.forEach(group -> names.add(group.get("processingGroup").asString()));
        assertThat(names).containsAll(QuerySideConfiguration.ALL_PROCESSING_GROUPS);
        JsonNode users = find(groups, "processingGroup", "users");
        assertThat(users.get("sequences").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(users.get("letters").asLong()).isGreaterThanOrEqualTo(2);

        // A letter: the event, and the cause of its failure.
        JsonNode sequence = sequence(retried).orElseThrow();
        assertThat(sequence.get("size").asLong()).isEqualTo(1);
        JsonNode letter = sequence.get("letters").get(0);
        assertThat(letter.get("type").asString()).isEqualTo("UserRegistered");
        assertThat(letter.get("aggregateId").asString()).isEqualTo(retried);
        assertThat(letter.get("sequenceNumber").asLong()).isZero();
        assertThat(letter.get("eventId").asString()).isNotBlank();
        assertThat(Instant.parse(letter.get("enqueuedAt").asString())).isAfterOrEqualTo(at);
        assertThat(letter.get("lastTouched").asString()).isNotBlank();
        assertThat(letter.get("cause").get("type").asString()).isNotBlank();
        assertThat(letter.get("cause").get("message").asString()).containsIgnoringCase("check constraint");

        // Retrying while the cause is still there: each sequence fails again and stays parked.
        HttpResponse<String> retryAll = post("/api/admin/dead-letters/users/retry");
        assertThat(retryAll.statusCode()).as(retryAll.body()).isEqualTo(200);
        JsonNode report = json.readTree(retryAll.body());
        assertThat(report.get("retried").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(report.get("stillFailing").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(report.get("retried").asInt()).isEqualTo(report.get("succeeded").asInt() + report.get("stillFailing").asInt());
        HttpResponse<String> retryOne = post("/api/admin/dead-letters/users/sequences/" + retried + "/retry");
        assertThat(retryOne.statusCode()).isEqualTo(200);
        assertThat(json.readTree(retryOne.body()).get("succeeded").asBoolean()).isFalse();
        assertThat(sequence(retried)).isPresent();
        assertThat(sequence(evicted)).isPresent();

        // Evicted: gone, never to be applied.
        assertThat(delete("/api/admin/dead-letters/users/sequences/" + evicted).statusCode()).isEqualTo(204);
        assertThat(sequence(evicted)).isEmpty();
        assertThat(delete("/api/admin/dead-letters/users/sequences/" + evicted).statusCode()).isEqualTo(404);
        assertThat(post("/api/admin/dead-letters/users/sequences/" + evicted + "/retry").statusCode()).isEqualTo(404);

        // The cause fixed: the evicted event was not applied, the retried one is.
        jdbc.sql("ALTER TABLE user_profile DROP CONSTRAINT " + CONSTRAINT).update();
        assertThat(profiles(userId)).isZero();
        HttpResponse<String> fixed = post("/api/admin/dead-letters/users/sequences/" + retried + "/retry");
        assertThat(fixed.statusCode()).as(fixed.body()).isEqualTo(200);
        assertThat(json.readTree(fixed.body()).get("succeeded").asBoolean()).isTrue();
        assertThat(profiles(userId)).isEqualTo(1);
        assertThat(jdbc.sql("SELECT display_name FROM user_profile WHERE user_id = :id").param("id", userId).query(String.class).single())
                .isEqualTo("Refused until fixed");
        assertThat(sequence(retried)).isEmpty();
        assertThat(post("/api/admin/dead-letters/users/sequences/" + retried + "/retry").statusCode()).isEqualTo(404);
    }

    @Test
    void any_one_of_many_parked_sequences_can_be_retried() {
        // More sequences than Axon offers to a retry per page (ten): each is reached, however far back in the queue.
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            userIds.add(REFUSED_PREFIX + UUID.randomUUID());
        }
        eventStore.publish(userIds.stream().map(userId -> registration("user-" + userId, userId, at)).toList());
        await().atMost(Duration.ofSeconds(30)).until(() -> ours().size() == userIds.size());
        jdbc.sql("ALTER TABLE user_profile DROP CONSTRAINT " + CONSTRAINT).update();

        // In the queue's order (least recently touched first), from the back.
        List<String> sequences = new ArrayList<>(ours());
        Collections.reverse(sequences);
        for (String sequence : sequences) {
            HttpResponse<String> retried = post("/api/admin/dead-letters/users/sequences/" + sequence + "/retry");
            assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
            assertThat(json.readTree(retried.body()).get("succeeded").asBoolean()).as(sequence).isTrue();
        }
        assertThat(ours()).isEmpty();
        for (String userId : userIds) {
            assertThat(profiles(userId)).as(userId).isEqualTo(1);
        }
    }

    @Test
    void unknown_groups_and_sequences_are_404_bad_pages_400_and_the_api_is_for_admins_only() {
        assertProblem(get("/api/admin/dead-letters/no-such-group"), 404);
        assertProblem(post("/api/admin/dead-letters/no-such-group/retry"), 404);
        assertProblem(post("/api/admin/dead-letters/users/sequences/no-such-sequence/retry"), 404);
        assertProblem(delete("/api/admin/dead-letters/users/sequences/no-such-sequence"), 404);
        assertProblem(get("/api/admin/dead-letters/users?size=101"), 400);
        assertProblem(get("/api/admin/dead-letters/users?page=-1"), 400);

        assertProblem(api().get("/api/admin/dead-letters", TestTokens.user("mallory")), 403);
        assertProblem(api().send("POST", "/api/admin/dead-letters/users/retry", TestTokens.user("mallory"),
                HttpRequest.BodyPublishers.noBody()), 403);
        assertProblem(api().get("/api/admin/dead-letters", null), 401);
    }

    /** The users group's parked sequence {@code id}, as listed by the API (one page of 100 holds every sequence here). */
    private Optional<JsonNode> sequence(String id) {
        HttpResponse<String> page = get("/api/admin/dead-letters/users?size=100");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        JsonNode body = json.readTree(page.body());
        assertThat(body.get("total").asLong()).isLessThanOrEqualTo(100);
        return Optional.ofNullable(find(body.get("sequences"), "sequenceId", id));
    }

    /** This test class's parked sequences of the users group, in the order the API lists them. */
    private List<String> ours() {
        HttpResponse<String> page = get("/api/admin/dead-letters/users?size=100");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json.readTree(page.body()).get("sequences").forEach(sequence -> {
            String id = sequence.get("sequenceId").asString();
            if (id.startsWith("user-" + REFUSED_PREFIX)) {
                ids.add(id);
            }
        });
        return ids;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.get(field).asString())) {
                return item;
            }
        }
        return null;
    }

    private long profiles(String userId) {
        return jdbc.sql("SELECT count(*) FROM user_profile WHERE user_id = :id").param("id", userId).query(Long.class).single();
    }

    private GenericDomainEventMessage<UserRegistered> registration(String aggregateId, String userId, Instant at) {
        return new GenericDomainEventMessage<>("User", aggregateId, 0, new UserRegistered(userId, seal(userId, "Refused until fixed")),
                Map.of(MetadataKeys.CORRELATION_ID, "dead-letter-admin"), UUID.randomUUID().toString(), at);
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
    }

    private HttpResponse<String> get(String path) {
        return api().get(path, ADMIN);
    }

    private HttpResponse<String> post(String path) {
        return api().send("POST", path, ADMIN, HttpRequest.BodyPublishers.noBody());
    }

    private HttpResponse<String> delete(String path) {
        return api().send("DELETE", path, ADMIN, HttpRequest.BodyPublishers.noBody());
    }
}
