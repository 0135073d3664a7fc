package io.picflow.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code picflow.projections.dead.letters{group}}: events parked in each processing group's dead-letter
 * queue. Counted with one query at most every 10 s, whatever the number of groups and scrapes.
 */
@Component
class DeadLetterMetrics {

    private static final long REFRESH_NANOS = 10_000_000_000L;

    private final JdbcClient jdbc;
    private Map<String, Long> counts = Map.of();
    private long countedAt = System.nanoTime() - REFRESH_NANOS;

    DeadLetterMetrics(MeterRegistry registry, JdbcClient jdbc, @Lazy EventProcessingConfiguration processing) {
        this.jdbc = jdbc;
        // The cache's dead letters are in this node's memory.
        Gauge.builder("picflow.projections.dead.letters", () -> processing.deadLetterQueue(QuerySideConfiguration.CACHE_GROUP)
                        .map(SequencedDeadLetterQueue::size).orElse(0L))
                .tag("group", QuerySideConfiguration.CACHE_GROUP)
                .description("Events parked in the processing group's dead-letter queue")
                .strongReference(true)
                .register(registry);
        for (String group : QuerySideConfiguration.PROCESSING_GROUPS) {
            Gauge.builder("picflow.projections.dead.letters", () -> count(group))
                    .tag("group", group)
                    .description("Events parked in the processing group's dead-letter queue")
                    .strongReference(true)
                    .register(registry);
        }
    }

    private synchronized long count(String group) {
        if (System.nanoTime() - countedAt >= REFRESH_NANOS) {
            Map<String, Long> fresh = new HashMap<>();
            jdbc.sql("SELECT processing_group, count(*) FROM query_dead_letter_entry GROUP BY processing_group")
                    .query(rs -> {
                        fresh.put(rs.getString(1), rs.getLong(2));
                    });
            counts = fresh;
            countedAt = System.nanoTime();
        }
        return counts.getOrDefault(group, 0L);
    }
}
