package io.picflow.events.notifications;

import org.axonframework.serialization.Revision;

/** The notification reached {@code recipientId} by {@code channel}: the provider accepted delivery {@code deliveryId}. */
@Revision("1")
public record NotificationDelivered(String notificationId, String recipientId, String channel, String deliveryId) {
}
