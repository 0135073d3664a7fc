package io.picflow.query.notifications;

import static io.picflow.query.SqlBatch.parameters;

import io.picflow.events.notifications.AllNotificationsRead;
import io.picflow.events.notifications.NotificationCreated;
import io.picflow.events.notifications.NotificationPreferencesChanged;
import io.picflow.events.notifications.NotificationRead;
import io.picflow.events.users.UserErased;
import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.query.BatchedWrites;
import io.picflow.query.SqlBatch;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.async.SequentialPerAggregatePolicy;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Projects the notifications context into the inbox and the preferences (V12__notifications.sql). Inserts keep an
 * existing row and a read only sets a {@code read_at} that is null, so a redelivered event is harmless. A notification
 * and the inbox it is in are different aggregates (the notification, the recipient's settings), so this group sequences
 * its events by recipient ({@link #BY_RECIPIENT}): a recipient's notifications, reads and preferences arrive in order,
 * in one segment. Statements wait for the end of the batch of events and run as JDBC batches ({@link SqlBatch}), in
 * order for each recipient. {@code NotificationDelivered} and {@code NotificationDeliveryFailed} are not shown yet.
 *
 * <p>Nothing is written about an erased user, whichever segment or rebuild processes their events after the erasure:
 * not their notifications or preferences, and not their id as another user's actor or subject. {@link UserErased}
 * deletes their notifications and preferences and forgets them where they were the actor or subject (ADR 0011); those
 * notifications stay, from "Someone".
 */
@Component
@ProcessingGroup(NotificationInboxProjection.PROCESSING_GROUP)
class NotificationInboxProjection {

    /** Not {@code notifications}: that is the command side's group that creates them, in the same application when standalone. */
    static final String PROCESSING_GROUP = "notification-inbox";

    /** One sequence per recipient (the default, by aggregate, would let a read overtake the notification it reads). */
    static final SequencingPolicy<EventMessage<?>> BY_RECIPIENT = event -> {
        Object payload = event.getPayload();
        if (payload instanceof NotificationCreated created) {
            return created.recipientId();
        } else if (payload instanceof NotificationRead read) {
            return read.recipientId();
        } else if (payload instanceof AllNotificationsRead allRead) {
            return allRead.recipientId();
        } else if (payload instanceof NotificationPreferencesChanged changed) {
            return changed.userId();
        } else if (payload instanceof UserErased erased) {
            return erased.userId();
        }
        return SequentialPerAggregatePolicy.instance().getSequenceIdentifierFor(event);
    };

    private final NamedParameterJdbcTemplate jdbc;
    private final BatchedWrites writes;
    private final ErasedUsers erasedUsers;
    private final JsonMapper json;

    NotificationInboxProjection(NamedParameterJdbcTemplate jdbc, BatchedWrites writes, ErasedUsers erasedUsers, JsonMapper json) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.erasedUsers = erasedUsers;
        this.json = json;
        writes.register(PROCESSING_GROUP);
    }

    @EventHandler
    void on(NotificationCreated event, @Timestamp Instant at) {
        if (!event.inApp()) {
            return; // sent by other channels only: the recipient turned in-app off for it
        }
        write(recipientRow(event.recipientId()),
                "INSERT INTO notification (notification_id, recipient_id, trigger, priority, actor_id, subject_type, subject_id, count, "
                        + "created_at) SELECT :id, :recipient, :trigger, :priority, "
                        + "CASE WHEN " + erasedUsers.notErased("actor") + " THEN :actor END, :subjectType, "
                        + "CASE WHEN :subjectType <> 'user' OR " + erasedUsers.notErased("subject") + " THEN :subject END, :count, :at "
                        + "WHERE " + erasedUsers.notErased("recipient") + " ON CONFLICT (notification_id) DO NOTHING",
                parameters("id", event.notificationId(), "recipient", event.recipientId(), "trigger", event.trigger(),
                        "priority", event.priority(), "actor", event.actorId(), "subjectType", event.subjectType(),
                        "subject", event.subjectId(), "count", event.count(), "at", utc(at)));
    }

    @EventHandler
    void on(NotificationRead event, @Timestamp Instant at) {
        write(recipientRow(event.recipientId()),
                "UPDATE notification SET read_at = :at WHERE notification_id = :id AND recipient_id = :recipient AND read_at IS NULL",
                parameters("id", event.notificationId(), "recipient", event.recipientId(), "at", utc(at)));
    }

    /** What was created up to {@code upTo} and is unread; a notification created later stays unread. */
    @EventHandler
    void on(AllNotificationsRead event, @Timestamp Instant at) {
        write(recipientRow(event.recipientId()),
                "UPDATE notification SET read_at = :at WHERE recipient_id = :recipient AND read_at IS NULL AND created_at <= :upTo",
                parameters("recipient", event.recipientId(), "upTo", utc(event.upTo()), "at", utc(at)));
    }

    @EventHandler
    void on(NotificationPreferencesChanged event, @Timestamp Instant at) {
        write("preference:" + event.userId(),
                "INSERT INTO notification_preference_view (user_id, document, updated_at) SELECT :user, :document, :at WHERE "
                        + erasedUsers.notErased("user")
                        + " ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
                parameters("user", event.userId(), "document", json.writeValueAsString(event.preferences()), "at", utc(at)));
    }

    /**
     * The user's inbox and preferences go; in other users' inboxes they are no longer named as actor or subject. Runs
     * at once rather than at the end of the batch: the batch's writes about this user are skipped anyway. The lock
     * waits for writers of the table that started before the erasure was recorded (other recipients' segments), so
     * the statements see their rows. The user's own inbox and preferences are in this event's sequence, written
     * before it by this segment: the preferences table needs no lock (and a second lock could deadlock with a batch
     * of another segment that writes both tables).
     */
    @EventHandler
    void on(UserErased event) {
        Map<String, String> user = Map.of("user", event.userId());
        jdbc.getJdbcTemplate().execute("LOCK TABLE notification IN SHARE ROW EXCLUSIVE MODE");
        jdbc.update("DELETE FROM notification WHERE recipient_id = :user", user);
        jdbc.update("UPDATE notification SET actor_id = NULL WHERE actor_id = :user", user);
        jdbc.update("UPDATE notification SET subject_id = NULL WHERE subject_type = 'user' AND subject_id = :user", user);
        jdbc.update("DELETE FROM notification_preference_view WHERE user_id = :user", user);
    }

    /** Statements run at the end of the batch, as JDBC batches ({@link BatchedWrites}). */
    private void write(String row, String sql, Map<String, Object> parameters) {
        writes.add(PROCESSING_GROUP, SqlBatch.class, () -> new SqlBatch(jdbc), batch -> batch.add(row, sql, parameters));
    }

    /**
     * Every write about a recipient's inbox is one "row" of the batch, so they keep their order: a read-all must follow
     * the notifications it reads, which are other rows of the table.
     */
    private static String recipientRow(String recipientId) {
        return "inbox:" + recipientId;
    }

    private static OffsetDateTime utc(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }
}
