package io.picflow.command.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferencesChanged;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The preferences the command side decides deliveries by ({@code notification_preference}), written by a subscribing
 * processor in the transaction of the {@link NotificationPreferencesChanged} that sets them, so that a notification
 * decided after a PUT committed follows it.
 */
@Component
@ProcessingGroup(PreferencesStore.PROCESSING_GROUP)
class PreferencesStore {

    static final String PROCESSING_GROUP = "notification-preferences";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    PreferencesStore(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @EventHandler
    void on(NotificationPreferencesChanged event) {
        jdbc.sql("INSERT INTO notification_preference (user_id, document, updated_at) VALUES (:user, :document, now()) "
                        + "ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at")
                .param("user", event.userId()).param("document", json.writeValueAsString(event.preferences())).update();
    }

    /** The user's preferences, or the defaults if they never set any. */
    NotificationPreferences of(String userId) {
        return jdbc.sql("SELECT document FROM notification_preference WHERE user_id = :user").param("user", userId)
                .query(String.class).optional()
                .map(document -> json.readValue(document, NotificationPreferences.class))
                .orElseGet(PreferencesDocument::defaults);
    }

    void erase(String userId) {
        jdbc.sql("DELETE FROM notification_preference WHERE user_id = :user").param("user", userId).update();
    }
}
