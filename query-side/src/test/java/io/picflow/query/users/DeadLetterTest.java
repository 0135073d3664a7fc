package io.picflow.query.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.axon.DeadLetterLimits;
import io.picflow.platform.axon.LimitedDeadLetterQueue;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A projection that fails on one event parks it in its group's dead-letter queue and keeps going, also
 * when its writes are batched ({@code BatchedWrites}): the failed batch is retried one event at a time.
 */
class DeadLetterTest extends QuerySideTest {

    @Autowired
    EventStore eventStore;

    @Autowired
    JdbcClient jdbc;

    @Test
    void an_event_the_projection_cannot_store_is_dead_lettered_and_later_events_are_projected() {
        String poisoned = "poison-" + UUID.randomUUID();
        String healthy = "healthy-" + UUID.randomUUID();
        // The command side never accepts a 300-character name; the table cannot hold one.
        publish(new UserRegistered(poisoned, seal(poisoned, "x".repeat(300))));
        publish(new UserRegistered(healthy, seal(healthy, "Healthy")));

        // The table itself, not the API (which the cache read model could answer).
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("SELECT count(*) FROM user_profile WHERE user_id = :id")
                .param("id", healthy).query(Long.class).single() == 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                        "SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'users' AND payload_type LIKE '%UserRegistered'")
                .query(Long.class).single() == 1);
        String cause = jdbc.sql("SELECT cause_message FROM query_dead_letter_entry WHERE processing_group = 'users'")
                .query(String.class).single();
        assertThat(cause).containsIgnoringCase("too long");
        // The users table has no row for it (the in-memory cache, another read model, can hold the long name).
        assertThat(jdbc.sql("SELECT count(*) FROM user_profile WHERE user_id = :id").param("id", poisoned).query(Long.class).single())
                .isZero();
        // The gauge counts at most every 10 s.
        await().atMost(Duration.ofSeconds(15)).until(() -> api().get("/actuator/prometheus", null).body()
                .contains("picflow_projections_dead_letters{group=\"users\"} 1.0"));
    }

    @Test
    void every_group_s_dead_letter_queue_has_the_configured_limits_and_a_counter_for_reaching_them() {
        for (String group : QuerySideConfiguration.ALL_PROCESSING_GROUPS) {
            assertThat(processing.deadLetterQueue(group)).get().isInstanceOfSatisfying(LimitedDeadLetterQueue.class,
                    queue -> assertThat(queue.limits()).isEqualTo(new DeadLetterLimits(1024, 1024)));
        }
        assertThat(api().get("/actuator/prometheus", null).body())
                .contains("picflow_dead_letters_limit_reached_total{group=\"downloads\"} 0.0")
                .contains("picflow_dead_letters_limit_reached_total{group=\"cache\"} 0.0");
    }

    @Test
    void a_download_the_table_cannot_hold_is_parked_with_its_later_events_while_the_rest_of_its_batch_is_projected() {
        String poisoned = "poison-" + UUID.randomUUID();
        String healthy = sameSegmentOfFour(poisoned);
        Instant at = Instant.parse("2026-11-01T00:00:00Z");
        // Written together, so that (most likely) one batch holds them all: the folded batch fails as a whole, and its
        // events are retried one at a time.
        eventStore.publish(List.of(
                download(healthy, 0, new ImageDownloadRequested(healthy, "https://example.com/h.png", "h.png", List.of(), "dlq"), at),
                download(poisoned, 0, new ImageDownloadRequested(poisoned, "https://example.com/p.png", "p".repeat(300), List.of(), "dlq"), at),
                download(poisoned, 1, new ImageFetchStarted(poisoned, 1, 1, 0), at.plusSeconds(1)),
                download(healthy, 1, new ImageFetchStarted(healthy, 1, 1, 0), at.plusSeconds(1))));

        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("SELECT status FROM download WHERE download_id = :id")
                .param("id", healthy).query(String.class).optional().filter("FETCHING"::equals).isPresent());
        // The request that the table cannot hold, and the next event of the same download, queued behind it.
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                        "SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'downloads' AND sequence_identifier = :id")
                .param("id", poisoned).query(Long.class).single() == 2);
        assertThat(jdbc.sql("SELECT count(*) FROM download WHERE download_id = :id").param("id", poisoned).query(Long.class).single())
                .isZero();
    }

    /**
     * A download id in the same segment as {@code other}, of the downloads group's four (Axon's segment
     * matches the sequence identifier's hash code under its mask): the two share batches.
     */
    private static String sameSegmentOfFour(String other) {
        String id;
        do {
            id = "healthy-" + UUID.randomUUID();
        } while ((id.hashCode() & 3) != (other.hashCode() & 3));
        return id;
    }

    private static GenericDomainEventMessage<?> download(String id, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>("ImageDownload", id, sequence, payload, Map.of(MetadataKeys.CORRELATION_ID, "dlq"),
                UUID.randomUUID().toString(), at);
    }

    private void publish(UserRegistered event) {
        eventStore.publish(new GenericDomainEventMessage<>("User", "user-" + event.userId(), 0, event,
                Map.of(MetadataKeys.CORRELATION_ID, "dlq"), UUID.randomUUID().toString(), Instant.now()));
    }
}
