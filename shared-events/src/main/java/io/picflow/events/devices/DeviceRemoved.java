package io.picflow.events.devices;

import org.axonframework.serialization.Revision;

/**
 * Device {@code deviceId} is gone ({@code reason}: {@code REMOVED} by its user, {@code MOVED} when another user
 * registered its token, {@code LIMIT} when its user registered one device more than allowed and it was the least
 * recently active one, {@code INACTIVE} when it had been deactivated for the retention period). A user's erasure
 * deletes their devices without this event: {@code UserErased} says it all.
 */
@Revision("1")
public record DeviceRemoved(String deviceId, String userId, String reason) {
}
