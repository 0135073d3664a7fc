package io.picflow.command.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The commands of the notifications context. */
final class NotificationCommands {

    private NotificationCommands() {
    }

    /** Creates the notification unless it exists (the id is derived from the source event and the recipient). */
    record CreateNotification(@TargetAggregateIdentifier String notificationId, String recipientId, Trigger trigger, String actorId,
            String subjectType, String subjectId, int count, String sourceEventId, boolean inApp) {
    }

    record MarkNotificationRead(@TargetAggregateIdentifier String notificationId, String userId) {
    }

    record ChangePreferences(@TargetAggregateIdentifier String settingsId, String userId, NotificationPreferences preferences) {
    }

    /** Turns {@code trigger} off on {@code channel}, or the whole channel for {@code DIGEST}: an unsubscribe link. */
    record TurnOff(@TargetAggregateIdentifier String settingsId, String userId, String trigger, String channel) {
    }

    record MarkAllNotificationsRead(@TargetAggregateIdentifier String settingsId, String userId, Instant upTo) {
    }

    /** No such notification of this user's: 404, whether it does not exist or is another user's. */
    static final class UnknownNotification extends RuntimeException {
        UnknownNotification(String notificationId) {
            super("No notification " + notificationId, null, false, false);
        }
    }
}
