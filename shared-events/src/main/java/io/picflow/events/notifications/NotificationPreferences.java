package io.picflow.events.notifications;

import java.util.Map;

/**
 * A user's notification preferences, as {@code PUT /api/users/me/notification-preferences} takes them (without the
 * read-only {@code available} flags, which are the service's, not the user's).
 *
 * @param timeZone   an IANA zone id, such as {@code Europe/Berlin}
 * @param quietHours null for none
 * @param channels   per channel ({@code in_app}, {@code email}, {@code sms}, {@code push}) its settings
 * @param triggers   per trigger, per channel, whether it is sent there
 */
public record NotificationPreferences(String timeZone, QuietHours quietHours, Map<String, Channel> channels,
        Map<String, Map<String, Boolean>> triggers) {

    /** Local times {@code HH:mm}; a window whose end is before its start runs across midnight. */
    public record QuietHours(String start, String end, boolean allowHighPriority) {
    }

    /** {@code digest}: {@code off}, {@code hourly} or {@code daily} (then at {@code digestAt}, local time); null for in-app. */
    public record Channel(boolean enabled, String digest, String digestAt) {
    }
}
