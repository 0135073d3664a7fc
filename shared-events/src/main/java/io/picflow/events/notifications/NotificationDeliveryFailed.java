package io.picflow.events.notifications;

import org.axonframework.serialization.Revision;

/**
 * Delivery {@code deliveryId} of the notification by {@code channel} failed for good. {@code errorCode} is ours
 * (the provider's own answer stays in the command side's delivery log); {@code retryable}: whether the cause was
 * transient and the retries ran out.
 */
@Revision("1")
public record NotificationDeliveryFailed(String notificationId, String recipientId, String channel, String deliveryId,
        String errorCode, boolean retryable) {
}
