package io.picflow.command.notifications;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What an erasure of a user deletes in the notifications context, in the erasure's first transaction: verification
 * codes, preferences, the record of their notifications, digest items, counts, and every delivery for them with its
 * attempts (the delivery log). Their contact details go with the users context's contact store.
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
        for (String table : new String[] {"notification_digest_item", "notification_email_count", "notification_recipient",
                "outbound_delivery"}) {
            jdbc.sql("DELETE FROM " + table + " WHERE user_id = :user").param("user", userId).update();
        }
    }
}
