package io.picflow.command.outbound;

import io.picflow.platform.wakeups.WakeUpNotifier;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The record of every outbound delivery ({@code outbound_delivery}): a delivery is written here, in its caller's
 * transaction, before anything is sent, under an id the caller derives from what it delivers (the delivery's
 * idempotency key: recording the same delivery twice records it once). The {@link OutboundDispatcher} sends what is
 * due, on whichever node.
 */
public class OutboundDeliveries {

    /** The channel of the NOTIFY that wakes the other nodes' dispatchers. */
    static final String WAKE_UP_CHANNEL = "picflow_outbound";

    /** What a caller records. {@code status}: PENDING (send at {@code dueAt}), HELD (with a reason) or SKIPPED (with a reason). */
    public record NewDelivery(String deliveryId, String channel, String target, String orderingKey, String payload, Instant dueAt,
            String status, String reason, String userId) {

        public NewDelivery(String deliveryId, String channel, String target, String orderingKey, String payload, Instant dueAt,
                String status, String reason) {
            this(deliveryId, channel, target, orderingKey, payload, dueAt, status, reason, null);
        }

        /** The same, for {@code userId}: the delivery log's filter, and what an erasure of the user deletes. */
        public NewDelivery forUser(String userId) {
            return new NewDelivery(deliveryId, channel, target, orderingKey, payload, dueAt, status, reason, userId);
        }

        public static NewDelivery now(String deliveryId, String channel, String target, String orderingKey, String payload) {
            return new NewDelivery(deliveryId, channel, target, orderingKey, payload, Instant.now(), "PENDING", null);
        }
    }

    /** A delivery as recorded, for the logs and the APIs. */
    public record Recorded(String deliveryId, String channel, String target, String status, String reason, Instant dueAt, int attempts,
            String errorCode, String errorMessage, Boolean retryable, String providerId, Instant createdAt, Instant sentAt) {
    }

    /** One attempt of a delivery. */
    public record Attempt(int attempt, Instant at, String outcome, Integer statusCode, int durationMillis, String detail) {
    }

    private final JdbcClient jdbc;
    private final WakeUpNotifier notifier;
    private final List<Runnable> wakeUps = new CopyOnWriteArrayList<>();

    public OutboundDeliveries(JdbcClient jdbc, WakeUpNotifier notifier) {
        this.jdbc = jdbc;
        this.notifier = notifier;
    }

    /** Runs {@code wakeUp} once a transaction that recorded a due delivery has committed (this node's dispatcher). */
    void onRecorded(Runnable wakeUp) {
        wakeUps.add(wakeUp);
    }

    /**
     * Records the delivery unless one with its id exists; true if this call recorded it. Runs in the caller's
     * transaction (or its own): the delivery exists if and only if what caused it committed.
     */
    public boolean record(NewDelivery delivery) {
        if (delivery.orderingKey() != null) {
            // seq comes from a sequence, but becomes visible at commit: two transactions recording under one key would
            // otherwise be seen in the order they commit, not the order of their seq. One at a time per key.
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('outbound:' || :key))").param("key", delivery.orderingKey()).query().singleRow();
        }
        int inserted = jdbc.sql("INSERT INTO outbound_delivery (delivery_id, channel, target, ordering_key, payload, status, reason, "
                        + "due_at, created_at, updated_at, user_id) VALUES (:id, :channel, :target, :ordering, :payload, :status, :reason, "
                        + ":due, now(), now(), :user) ON CONFLICT (delivery_id) DO NOTHING")
                .param("id", delivery.deliveryId()).param("channel", delivery.channel()).param("target", delivery.target())
                .param("ordering", delivery.orderingKey()).param("payload", delivery.payload()).param("status", delivery.status())
                .param("reason", delivery.reason()).param("due", java.sql.Timestamp.from(delivery.dueAt())).param("user", delivery.userId())
                .update();
        if (inserted > 0 && !"SKIPPED".equals(delivery.status())) {
            wakeDispatchers();
        }
        return inserted > 0;
    }

    /**
     * Records a held delivery, or joins the one recorded under its id while that is still held and unclaimed: either
     * way the row stays locked until the caller's transaction ends, so no dispatcher claims it before what the caller
     * adds to it (a digest's items) is committed. False if the delivery exists but is claimed, sent or finished: the
     * caller must use another one.
     */
    public boolean recordOrJoinHeld(NewDelivery delivery) {
        List<Boolean> inserted = jdbc.sql("INSERT INTO outbound_delivery (delivery_id, channel, target, ordering_key, payload, status, reason, "
                        + "due_at, created_at, updated_at, user_id) VALUES (:id, :channel, :target, NULL, :payload, 'HELD', :reason, "
                        + ":due, now(), now(), :user) ON CONFLICT (delivery_id) DO UPDATE SET updated_at = now() "
                        + "WHERE outbound_delivery.status = 'HELD' AND outbound_delivery.lease_owner IS NULL "
                        + "RETURNING (xmax = 0)")
                .param("id", delivery.deliveryId()).param("channel", delivery.channel()).param("target", delivery.target())
                .param("payload", delivery.payload()).param("reason", delivery.reason())
                .param("due", java.sql.Timestamp.from(delivery.dueAt())).param("user", delivery.userId())
                .query(Boolean.class).list();
        if (inserted.contains(Boolean.TRUE)) {
            wakeDispatchers(); // they learn its due time
        }
        return !inserted.isEmpty();
    }

    public Optional<Recorded> find(String deliveryId) {
        return jdbc.sql("SELECT delivery_id, channel, target, status, reason, due_at, attempts, error_code, error_message, retryable, "
                        + "provider_id, created_at, sent_at FROM outbound_delivery WHERE delivery_id = :id")
                .param("id", deliveryId)
                .query((row, i) -> new Recorded(row.getString(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                        row.getTimestamp(6).toInstant(), row.getInt(7), row.getString(8), row.getString(9),
                        (Boolean) row.getObject(10), row.getString(11), row.getTimestamp(12).toInstant(),
                        row.getTimestamp(13) == null ? null : row.getTimestamp(13).toInstant()))
                .optional();
    }

    public List<Attempt> attempts(String deliveryId) {
        return jdbc.sql("SELECT attempt, at, outcome, status_code, duration_ms, detail FROM outbound_attempt WHERE delivery_id = :id "
                        + "ORDER BY attempt")
                .param("id", deliveryId)
                .query((row, i) -> new Attempt(row.getInt(1), row.getTimestamp(2).toInstant(), row.getString(3),
                        (Integer) row.getObject(4), row.getInt(5), row.getString(6)))
                .list();
    }

    /** The other nodes by NOTIFY (with the commit), this node's dispatcher directly after the commit. */
    private void wakeDispatchers() {
        if (notifier != null) {
            notifier.changed(WAKE_UP_CHANNEL);
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    wakeUps.forEach(Runnable::run);
                }
            });
        } else {
            wakeUps.forEach(Runnable::run);
        }
    }
}
