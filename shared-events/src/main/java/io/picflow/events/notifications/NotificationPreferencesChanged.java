package io.picflow.events.notifications;

import org.axonframework.serialization.Revision;

/** {@code userId}'s notification preferences are now {@code preferences}, as a whole. */
@Revision("1")
public record NotificationPreferencesChanged(String userId, NotificationPreferences preferences) {
}
