package io.picflow.command.notifications;

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
 * Nothing of the notifications context grows without bound: every hour, records of notifications older than the
 * delivery retention, digest items whose digest is gone, hourly email and daily SMS counts of past hours and days,
 * and expired codes go.
 */
@Configuration(proxyBeanMethods = false)
class NotificationsRetention {

    @Bean
    RecurringTask<Void> notificationCleanup(JdbcClient jdbc, MeterRegistry meters,
            @Value("${picflow.outbound.retention:30d}") Duration retention) {
        return Tasks.recurring("notification-cleanup", Schedules.fixedDelay(Duration.ofHours(1)))
                .execute((instance, context) -> meters.counter("picflow.retention.removed", "item", "notification")
                        .increment(cleanUp(jdbc, retention)));
    }

    static int cleanUp(JdbcClient jdbc, Duration retention) {
        int removed = jdbc.sql("DELETE FROM notification_recipient WHERE created_at < now() - make_interval(secs => :seconds)")
                .param("seconds", retention.toSeconds()).update();
        removed += jdbc.sql("DELETE FROM notification_digest_item i WHERE created_at < now() - interval '2 days' "
                + "AND NOT EXISTS (SELECT 1 FROM outbound_delivery d WHERE d.delivery_id = i.delivery_id "
                + "AND d.status IN ('PENDING', 'HELD'))").update();
        removed += jdbc.sql("DELETE FROM notification_email_count WHERE hour < now() - interval '2 hours'").update();
        // A local day ends up to 14 hours after UTC's: two days back is past in every zone.
        removed += jdbc.sql("DELETE FROM notification_sms_count WHERE day < current_date - 2").update();
        removed += jdbc.sql("DELETE FROM contact_code WHERE expires_at < now()").update();
        return removed;
    }
}
