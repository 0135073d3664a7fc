package io.picflow.command.notifications;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What an erasure of a user deletes in the notifications context, in the erasure's first transaction: verification
 * codes, preferences, the record of their notifications, digest items, counts, and every delivery for them with its
 * attempts (the delivery log), their push devices with their tokens; and other users' unsent mail no longer names them. Their contact details go with the
 * users context's contact store.
 */
@Component
public class NotificationsErasure {

    private final JdbcClient jdbc;
    private final ContactVerification verification;
    private final PreferencesStore preferences;

    NotificationsErasure(JdbcClient jdbc, ContactVerification verification, PreferencesStore preferences) {
        this.jdbc = jdbc;
        this.verification = verification;
        this.preferences = preferences;
    }

    public void forget(String userId) {
        verification.erase(userId);
        preferences.erase(userId);
        for (String table : new String[] {"notification_digest_item", "notification_email_count", "notification_sms_count", "notification_recipient",
                "outbound_delivery", "device"}) { // device: push tokens (the devices context's table; its events carry no token)
            jdbc.sql("DELETE FROM " + table + " WHERE user_id = :user").param("user", userId).update();
        }
        // Other users' mail about them, not sent yet, no longer names them (it would say "Someone" anyway: their key is gone).
        jdbc.sql("UPDATE notification_digest_item SET actor_id = NULL WHERE actor_id = :user").param("user", userId).update();
        jdbc.sql("UPDATE outbound_delivery SET payload = CAST(CAST(payload AS JSONB) - 'actorId' AS TEXT) "
                        + "WHERE user_id IS NOT NULL AND status IN ('PENDING', 'HELD') "
                        + "AND (CASE WHEN payload LIKE '{%' THEN CAST(payload AS JSONB) ->> 'actorId' END) = :user")
                .param("user", userId).update();
    }
}
