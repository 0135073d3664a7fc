package io.picflow.command.outbound;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.wakeups.WakeUpListener;
import io.picflow.platform.wakeups.WakeUpNotifier;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The outbound delivery engine (ADR 0016): the record, the dispatcher that sends through every
 * {@link OutboundTransport} bean, the gate on the circuit breakers ({@link BreakerGate}), and the
 * retention of finished deliveries.
 */
@Configuration(proxyBeanMethods = false)
class OutboundConfiguration {

    @Bean
    OutboundDeliveries outboundDeliveries(JdbcClient jdbc, WakeUpNotifier notifier) {
        return new OutboundDeliveries(jdbc, notifier);
    }

    @Bean(destroyMethod = "close")
    OutboundDispatcher outboundDispatcher(JdbcClient jdbc, OutboundDeliveries deliveries, ObjectProvider<OutboundTransport> transports,
            io.picflow.platform.resilience.Breakers breakers, WakeUpListener wakeUps, MeterRegistry meters,
            @Value("${picflow.outbound.retry.first:10s}") Duration first,
            @Value("${picflow.outbound.retry.max:1h}") Duration max,
            @Value("${picflow.outbound.retry.give-up-after:24h}") Duration giveUpAfter,
            @Value("${picflow.outbound.lease:5m}") Duration lease,
            @Value("${picflow.outbound.poll-interval:10s}") Duration pollInterval,
            org.springframework.transaction.PlatformTransactionManager transactions) {
        OutboundDispatcher dispatcher = new OutboundDispatcher(jdbc, deliveries, transports.orderedStream().toList(),
                new BreakerGate(breakers), new RetrySchedule(first, max, giveUpAfter), lease, pollInterval, meters, transactions);
        wakeUps.subscribe(OutboundDeliveries.WAKE_UP_CHANNEL, dispatcher::wakeUp);
        return dispatcher;
    }

    /** Sent, failed and skipped deliveries, with their attempts, are kept for {@code picflow.outbound.retention}. */
    @Bean
    RecurringTask<Void> outboundDeliveryCleanup(JdbcClient jdbc, MeterRegistry meters,
            @Value("${picflow.outbound.retention:30d}") Duration retention) {
        return Tasks.recurring("outbound-delivery-cleanup", Schedules.fixedDelay(Duration.ofHours(1)))
                .execute((instance, context) -> meters.counter("picflow.retention.removed", "item", "outbound_delivery")
                        .increment(deleteFinishedBefore(jdbc, retention)));
    }

    static int deleteFinishedBefore(JdbcClient jdbc, Duration retention) {
        return jdbc.sql("DELETE FROM outbound_delivery WHERE status IN ('SENT', 'FAILED', 'SKIPPED') "
                        + "AND updated_at < now() - make_interval(secs => :seconds)")
                .param("seconds", retention.toSeconds()).update();
    }
}
