package io.picflow.command.notifications;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.notifications.NotificationCommands.ChangePreferences;
import io.picflow.command.notifications.NotificationCommands.MarkAllNotificationsRead;
import io.picflow.command.notifications.NotificationCommands.TurnOff;
import io.picflow.command.users.UserIds;
import io.picflow.events.notifications.AllNotificationsRead;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferencesChanged;
import java.util.Objects;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

/** A user's notification settings: their preferences, and marking the whole inbox read. */
@Aggregate(snapshotTriggerDefinition = "notificationSettingsSnapshotTrigger")
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
class NotificationSettings {

    @AggregateIdentifier
    private String settingsId;
    private NotificationPreferences preferences;

    protected NotificationSettings() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(ChangePreferences command) {
        settingsId = command.settingsId();
        if (!Objects.equals(preferences, command.preferences())) {
            apply(new NotificationPreferencesChanged(command.userId(), command.preferences()));
        }
    }

    /** Against the settings' own state, so that two links clicked at once, or a link and a PUT, do not undo each other. */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(TurnOff command) {
        settingsId = command.settingsId();
        NotificationPreferences current = preferences == null ? PreferencesDocument.defaults() : preferences;
        NotificationPreferences changed = UnsubscribeController.without(current,
                new UnsubscribeTokens.Unsubscribe(command.userId(), command.trigger(), command.channel()));
        if (!changed.equals(current)) {
            apply(new NotificationPreferencesChanged(command.userId(), changed));
        }
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(MarkAllNotificationsRead command) {
        settingsId = command.settingsId();
        apply(new AllNotificationsRead(command.userId(), command.upTo()));
    }

    @EventSourcingHandler
    void on(NotificationPreferencesChanged event) {
        settingsId = UserIds.notificationSettings(event.userId());
        preferences = event.preferences();
    }

    @EventSourcingHandler
    void on(AllNotificationsRead event) {
        settingsId = UserIds.notificationSettings(event.recipientId());
    }
}
