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
        for (String group : QuerySideConfiguration.PROCESSING_GROUPS) {
            Gauge.builder("picflow.projections.lag", () -> lag(processing, jdbc, group))
                    .tag("group", group)
                    .description("Event store positions between the head and the group's slowest segment on this node")
                    .strongReference(true)
                    .register(registry);
        }
    }

    private static double lag(EventProcessingConfiguration processing, JdbcClient jdbc, String group) {
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

    private static long head(JdbcClient jdbc) {
        return jdbc.sql("SELECT coalesce(max(global_index), 0) FROM domain_event_entry").query(Long.class).single();
    }
}
