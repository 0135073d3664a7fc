package io.picflow.command.downloads;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Idempotency keys are kept for {@code picflow.downloads.idempotency-key-retention} (24 h by default),
 * long enough for any client retry; a recurring db-scheduler task (one node runs it at a time)
 * deletes older ones, so the table does not grow forever.
 */
@Configuration(proxyBeanMethods = false)
class IdempotencyKeyRetention {

    @Bean
    RecurringTask<Void> idempotencyKeyCleanup(JdbcClient jdbc, MeterRegistry meters,
            @Value("${picflow.downloads.idempotency-key-retention:24h}") Duration retention) {
        return Tasks.recurring("idempotency-key-cleanup", Schedules.fixedDelay(Duration.ofHours(1)))
                .execute((instance, context) -> meters.counter("picflow.retention.removed", "item", "idempotency_key")
                        .increment(deleteOlderThan(jdbc, retention)));
    }

    /** The rate limit's counts of requests older than its window ({@link RequestWindows}). */
    @Bean
    RecurringTask<Void> requestCountCleanup(DownloadQuotas quotas, MeterRegistry meters) {
        return Tasks.recurring("download-request-count-cleanup", Schedules.fixedDelay(Duration.ofHours(1)))
                .execute((instance, context) -> meters.counter("picflow.retention.removed", "item", "download_request_count")
                        .increment(quotas.requestWindows().deleteExpired()));
    }

    static int deleteOlderThan(JdbcClient jdbc, Duration retention) {
        return jdbc.sql("DELETE FROM idempotency_key WHERE created_at < now() - make_interval(secs => :seconds)")
                .param("seconds", retention.toSeconds())
                .update();
    }
}
