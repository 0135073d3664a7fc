package io.picflow.query.notifications;

import io.picflow.events.notifications.NotificationCreated;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.platform.privacy.ErasedUsers;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the notifications read model (V12__notifications.sql): a user's inbox, newest first, with the actors' display
 * names from {@code user_profile} as they are now, and their preferences document.
 */
@Repository
public class NotificationInbox {

    /** The two counts of an inbox: what a filter matches, and what is unread. */
    record Counts(long matching, long unread) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ErasedUsers erasedUsers;

    NotificationInbox(JdbcClient jdbc, JsonMapper json, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.json = json;
        this.erasedUsers = erasedUsers;
    }

    /** A page of the recipient's notifications, newest first; only the unread ones if {@code unreadOnly}. */
    List<NotificationItem> items(String recipient, boolean unreadOnly, int page, int size) {
        return jdbc.sql("SELECT n.notification_id, n.trigger, n.priority, n.created_at, n.read_at, n.actor_id, p.display_name, "
                        + "n.subject_type, n.subject_id, n.count FROM notification n LEFT JOIN user_profile p ON p.user_id = n.actor_id "
                        + "WHERE n.recipient_id = :recipient" + (unreadOnly ? " AND n.read_at IS NULL" : "")
                        + " ORDER BY n.created_at DESC, n.notification_id DESC LIMIT :limit OFFSET :offset")
                .param("recipient", recipient).param("limit", size).param("offset", (long) page * size)
                .query(NotificationInbox::item)
                .list();
    }

    Counts counts(String recipient, boolean unreadOnly) {
        return jdbc.sql("SELECT count(*), count(*) FILTER (WHERE read_at IS NULL) FROM notification WHERE recipient_id = :recipient")
                .param("recipient", recipient)
                .query((rs, row) -> new Counts(unreadOnly ? rs.getLong(2) : rs.getLong(1), rs.getLong(2)))
                .single();
    }

    /** The preferences the user last set, if they ever did. */
    Optional<NotificationPreferences> preferences(String userId) {
        return jdbc.sql("SELECT document FROM notification_preference_view WHERE user_id = :user").param("user", userId)
                .query(String.class).optional()
                .map(document -> json.readValue(document, NotificationPreferences.class));
    }

    /**
     * The item a new notification is, as the inbox will list it: for the live feed, which sends it when the event
     * arrives. An erased actor (or user subject) is left out, as the inbox leaves it out.
     */
    public NotificationItem newItem(NotificationCreated event, Instant createdAt) {
        String actorId = event.actorId() != null && erasedUsers.erasedAt(event.actorId()).isPresent() ? null : event.actorId();
        String subjectId = "user".equals(event.subjectType()) && event.subjectId() != null
                && erasedUsers.erasedAt(event.subjectId()).isPresent() ? null : event.subjectId();
        String actorName = actorId == null ? null : jdbc.sql("SELECT display_name FROM user_profile WHERE user_id = :user")
                .param("user", actorId).query(String.class).optional().orElse(null);
        return NotificationItem.of(event.notificationId(), event.trigger(), event.priority(), createdAt, null, actorId, actorName,
                event.subjectType(), subjectId, event.count());
    }

    private static NotificationItem item(ResultSet rs, int row) throws SQLException {
        OffsetDateTime readAt = rs.getObject("read_at", OffsetDateTime.class);
        return NotificationItem.of(rs.getString("notification_id"), rs.getString("trigger"), rs.getString("priority"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(), readAt == null ? null : readAt.toInstant(),
                rs.getString("actor_id"), rs.getString("display_name"), rs.getString("subject_type"), rs.getString("subject_id"),
                rs.getInt("count"));
    }
}
