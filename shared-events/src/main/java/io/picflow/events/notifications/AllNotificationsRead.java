package io.picflow.events.notifications;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/** {@code recipientId} marked every notification created up to {@code upTo} read. */
@Revision("1")
public record AllNotificationsRead(String recipientId, Instant upTo) {
}
