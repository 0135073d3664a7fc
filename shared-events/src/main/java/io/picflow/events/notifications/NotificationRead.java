package io.picflow.events.notifications;

import org.axonframework.serialization.Revision;

/** {@code recipientId} read the notification. */
@Revision("1")
public record NotificationRead(String notificationId, String recipientId) {
}
