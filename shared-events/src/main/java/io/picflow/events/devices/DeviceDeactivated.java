package io.picflow.events.devices;

import org.axonframework.serialization.Revision;

/**
 * Nothing is sent to device {@code deviceId} any more, because its provider called its token invalid ({@code reason}:
 * the provider's verdict, such as {@code UNREGISTERED} or {@code BAD_DEVICE_TOKEN}) or because sends to it failed too
 * often in a row ({@code TOO_MANY_FAILURES}). Registering the token again activates it again.
 */
@Revision("1")
public record DeviceDeactivated(String deviceId, String userId, String reason) {
}
