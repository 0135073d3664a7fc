package io.picflow.command.notifications.push;

import io.picflow.command.devices.Devices;

/** A push provider: FCM, APNs, or the embedded run's stand-in. */
public interface PushProvider {

    /** The circuit breaker its calls go through ({@code fcm}, {@code apns}). */
    String breaker();

    /** Sends {@code message} to the device's token; never throws for the provider's failures: they are results. */
    PushResult send(PushMessage message, Devices.Sendable device);
}
