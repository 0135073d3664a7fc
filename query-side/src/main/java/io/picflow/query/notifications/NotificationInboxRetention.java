package io.picflow.query.notifications;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.query.QueryJob;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The inbox does not grow forever (ADR 0013): a notification read more than {@code picflow.notifications.read-retention}
 * (90 days) ago is removed, the longest read first, in batches of {@value #BATCH}, each its own transaction, by the
 * query side's scheduler. Unread notifications stay. Counted in {@code picflow.retention.removed} ({@code item=notification}).
 * A rebuild brings removed ones back until the next run removes them again: their events are still in the store.
 */
@Configuration(proxyBeanMethods = false)
class NotificationInboxRetention {

    private static final Logger log = LoggerFactory.getLogger(NotificationInboxRetention.class);
    static final int BATCH = 1000;
    /** A run stops after this many batches and the next run goes on, so one run stays short on a huge backlog. */
    static final int MAX_BATCHES_PER_RUN = 100;

    @Bean
    QueryJob notificationInboxRetentionJob(Runner runner, NotificationInboxProperties properties) {
        return new QueryJob("notification-read-retention", properties.retentionCheckInterval(), runner::run);
    }

    @Bean
    Runner notificationInboxRetentionRunner(JdbcClient jdbc, PlatformTransactionManager transactions,
            NotificationInboxProperties properties, MeterRegistry meters) {
        return new Runner(jdbc, new TransactionTemplate(transactions), properties, meters, Clock.systemUTC());
    }

    /** One run of the retention; package-visible so that tests run it on demand. Returns how many notifications it removed. */
    record Runner(JdbcClient jdbc, TransactionTemplate transaction, NotificationInboxProperties properties, MeterRegistry meters,
            Clock clock) {

        int run() {
            OffsetDateTime cutoff = OffsetDateTime.ofInstant(clock.instant().minus(properties.readRetention()), ZoneOffset.UTC);
            int removed = 0;
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                Integer deleted = transaction.execute(status -> jdbc.sql("DELETE FROM notification WHERE notification_id IN "
                                + "(SELECT notification_id FROM notification WHERE read_at < :cutoff ORDER BY read_at LIMIT :batch)")
                        .param("cutoff", cutoff).param("batch", BATCH).update());
                int count = deleted == null ? 0 : deleted;
                removed += count;
                meters.counter("picflow.retention.removed", "item", "notification").increment(count);
                if (count < BATCH) {
                    break;
                }
            }
            if (removed > 0) {
                log.info("Notification retention: {} notifications read before {} removed", removed, cutoff.toInstant());
            }
            return removed;
        }
    }
}
