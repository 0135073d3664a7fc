package io.picflow.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
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

    DeadLetterMetrics(MeterRegistry registry, JdbcClient jdbc) {
        this.jdbc = jdbc;
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
