package io.picflow.events.devices;

import org.axonframework.serialization.Revision;

/**
 * {@code userId} receives push notifications on device {@code deviceId} from now on (registered, or registered again
 * after it was deactivated). {@code platform}: {@code fcm} or {@code apns}.
 */
@Revision("1")
public record DeviceRegistered(String deviceId, String userId, String platform) {
}
