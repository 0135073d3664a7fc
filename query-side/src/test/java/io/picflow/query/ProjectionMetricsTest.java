package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.events.MetadataKeys;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Per processing group: events handled, batch sizes and lag, on /actuator/prometheus. */
class ProjectionMetricsTest extends QuerySideTest {

    @Autowired
    EventStore eventStore;

    @Test
    void each_group_reports_events_handled_batch_sizes_and_a_lag_that_returns_to_zero() {
        double before = metric("picflow_projections_events_total{group=\"users\"}");
        for (int i = 0; i < 30; i++) {
            String id = "metrics-" + UUID.randomUUID();
            eventStore.publish(new GenericDomainEventMessage<>("User", "user-" + id, 0, new UserRegistered(id, seal(id, "M " + i)),
                    Map.of(MetadataKeys.CORRELATION_ID, "m"), UUID.randomUUID().toString(), Instant.now()));
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> metric("picflow_projections_events_total{group=\"users\"}") >= before + 30);
        await().atMost(Duration.ofSeconds(15)).until(() -> metric("picflow_projections_lag{group=\"users\"}") == 0);
        assertThat(metric("picflow_projections_batch_size_count{group=\"users\"}")).isPositive();
        assertThat(metric("picflow_projections_batch_size_max{group=\"users\"}")).isBetween(1.0, 100.0);
        assertThat(metric("picflow_projections_dead_letters{group=\"favorites\"}")).isZero();
    }

    private double metric(String series) {
        String body = api().get("/actuator/prometheus", null).body();
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
    }
}
