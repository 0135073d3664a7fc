package io.picflow.command.devices;

import java.time.Instant;

/** A device as its user sees it: never its token. */
public record Device(String deviceId, String platform, boolean active, Instant registeredAt) {

    public static final String FCM = "fcm";
    public static final String APNS = "apns";
}
