package io.picflow.command.notifications;

import java.time.LocalDate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * At most {@code picflow.notifications.sms.daily-cap} (5) SMS sent at once to a user per their local day: SMS costs
 * money and attention. Counted in PostgreSQL ({@code notification_sms_count}), so the cap holds across nodes. The
 * planner folds the rest of the day into a digest (DeliveryPlanner).
 */
@Component
class SmsDailyCap {

    private final JdbcClient jdbc;
    private final int cap;
    private final TransactionTemplate ownTransaction;

    SmsDailyCap(JdbcClient jdbc, PlatformTransactionManager transactions, @Value("${picflow.notifications.sms.daily-cap:5}") int cap) {
        this.jdbc = jdbc;
        this.cap = cap;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Takes one of the user's SMS of {@code day}, unless they had the cap's worth already. In a transaction of its own,
     * as the hourly email count: the row is locked for a moment, not for the processor's whole batch. A batch that
     * rolls back afterwards leaves its count taken: at worst an SMS goes into the digest early, never one too many.
     */
    boolean take(String userId, LocalDate day) {
        return Boolean.TRUE.equals(ownTransaction.execute(status -> !jdbc.sql("INSERT INTO notification_sms_count (user_id, day, sent) "
                        + "VALUES (:user, :day, 1) ON CONFLICT (user_id, day) DO UPDATE SET sent = notification_sms_count.sent + 1 "
                        + "WHERE notification_sms_count.sent < :cap RETURNING sent")
                .param("user", userId).param("day", day).param("cap", cap)
                .query(Integer.class).list().isEmpty()));
    }
}
