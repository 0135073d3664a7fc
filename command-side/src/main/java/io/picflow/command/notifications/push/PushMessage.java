package io.picflow.command.notifications.push;

import java.util.Map;

/**
 * One push, as a provider sends it: worded already, without the token (the provider is given it with the device).
 * {@code deliveryId} becomes the provider's idempotency key where it has one (APNs' {@code apns-id}); {@code collapseId}
 * lets a device show a repeat once; {@code lowPriority} lets the provider save the device's battery (a digest,
 * a download that completed).
 */
public record PushMessage(String deliveryId, String collapseId, String title, String body, Map<String, String> data,
        boolean lowPriority) {

    public PushMessage {
        data = Map.copyOf(data);
    }
}
