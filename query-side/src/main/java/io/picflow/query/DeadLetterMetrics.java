package io.picflow.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** {@code picflow.projections.dead.letters{group}}: events parked in each processing group's dead-letter queue. */
@Component
class DeadLetterMetrics {

    DeadLetterMetrics(MeterRegistry registry, JdbcClient jdbc) {
        for (String group : QuerySideConfiguration.PROCESSING_GROUPS) {
            Gauge.builder("picflow.projections.dead.letters", () -> jdbc
                            .sql("SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = :group")
                            .param("group", group).query(Long.class).single())
                    .tag("group", group)
                    .description("Events parked in the processing group's dead-letter queue")
                    .strongReference(true)
                    .register(registry);
        }
    }
}
