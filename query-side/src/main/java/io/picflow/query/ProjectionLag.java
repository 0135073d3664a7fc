package io.picflow.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.OptionalLong;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code picflow.projections.lag{group}}: event store positions between the head and the group's
 * slowest segment on this node (NaN while this node holds none of its segments).
 */
@Component
class ProjectionLag {

    ProjectionLag(MeterRegistry registry, EventProcessingConfiguration processing, JdbcClient jdbc) {
        for (String group : QuerySideConfiguration.ALL_PROCESSING_GROUPS) {
            Gauge.builder("picflow.projections.lag", () -> lag(processing, jdbc, group))
                    .tag("group", group)
                    .description("Event store positions between the head and the group's slowest segment on this node")
                    .strongReference(true)
                    .register(registry);
        }
    }

    private double lag(EventProcessingConfiguration processing, JdbcClient jdbc, String group) {
        return processing.eventProcessor(group, StreamingEventProcessor.class)
                .map(processor -> processor.processingStatus().values().stream()
                        .map(EventTrackerStatus::getCurrentPosition)
                        .filter(OptionalLong::isPresent)
                        .mapToLong(OptionalLong::getAsLong)
                        .min())
                .filter(OptionalLong::isPresent)
                .map(slowest -> (double) Math.max(0, head(jdbc) - slowest.getAsLong()))
                .orElse(Double.NaN);
    }

    private static final long HEAD_REFRESH_NANOS = 1_000_000_000L;
    private long head;
    private long headReadAt = System.nanoTime() - HEAD_REFRESH_NANOS;

    /** The event store's head, read at most once a second whatever the number of groups and scrapes. */
    private synchronized long head(JdbcClient jdbc) {
        if (System.nanoTime() - headReadAt >= HEAD_REFRESH_NANOS) {
            head = jdbc.sql("SELECT coalesce(max(global_index), 0) FROM domain_event_entry").query(Long.class).single();
            headReadAt = System.nanoTime();
        }
        return head;
    }
}
