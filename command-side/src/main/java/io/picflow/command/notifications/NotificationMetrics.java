package io.picflow.command.notifications;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The notifications' metrics: {@code picflow.notifications.created} per trigger,
 * {@code picflow.notifications.delivery.latency} (source event to the provider's acceptance) per channel, and gauges of
 * the deliveries held and pending now. Deliveries per channel and outcome are the engine's
 * {@code picflow.outbound.deliveries}.
 */
@Component
class NotificationMetrics {

    private final MeterRegistry meters;

    NotificationMetrics(MeterRegistry meters, JdbcClient jdbc) {
        this.meters = meters;
        for (String status : new String[] {"HELD", "PENDING"}) {
            meters.gauge("picflow.notifications.deliveries.waiting", io.micrometer.core.instrument.Tags.of("status", status), jdbc,
                    db -> db.sql("SELECT count(*) FROM outbound_delivery WHERE status = :status AND user_id IS NOT NULL")
                            .param("status", status).query(Long.class).single());
        }
    }

    void created(Trigger trigger) {
        meters.counter("picflow.notifications.created", "trigger", trigger.name()).increment();
    }

    void delivered(String channel, Duration sinceSourceEvent) {
        Timer.builder("picflow.notifications.delivery.latency").tag("channel", channel).publishPercentileHistogram()
                .register(meters).record(sinceSourceEvent);
    }
}
