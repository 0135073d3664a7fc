package io.picflow.query.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A projection that fails on one event parks it in its group's dead-letter queue and keeps going. */
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
        publish(new UserRegistered(poisoned, "x".repeat(300)));
        publish(new UserRegistered(healthy, "Healthy"));

        await().atMost(Duration.ofSeconds(15)).until(() ->
                api().get("/api/users/" + healthy, TestTokens.user("reader")).statusCode() == 200);
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                        "SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'users' AND payload_type LIKE '%UserRegistered'")
                .query(Long.class).single() == 1);
        String cause = jdbc.sql("SELECT cause_message FROM query_dead_letter_entry WHERE processing_group = 'users'")
                .query(String.class).single();
        assertThat(cause).containsIgnoringCase("too long");
        assertThat(api().get("/api/users/" + poisoned, TestTokens.user("reader")).statusCode()).isEqualTo(404);
        // The gauge counts at most every 10 s.
        await().atMost(Duration.ofSeconds(15)).until(() -> api().get("/actuator/prometheus", null).body()
                .contains("picflow_projections_dead_letters{group=\"users\"} 1.0"));
    }

    private void publish(UserRegistered event) {
        eventStore.publish(new GenericDomainEventMessage<>("User", "user-" + event.userId(), 0, event,
                Map.of(MetadataKeys.CORRELATION_ID, "dlq"), UUID.randomUUID().toString(), Instant.now()));
    }
}
