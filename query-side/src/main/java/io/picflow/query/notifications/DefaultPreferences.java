package io.picflow.query.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The notification preferences of a user who never changed them: the one place the query side knows them. The command
 * side decides deliveries by the same defaults with its own copy (PreferencesDocument): neither side depends on the
 * other, so a change here goes there too.
 *
 * <p>Time zone UTC, no quiet hours; every channel enabled, those with digests sending at once ({@code off}, daily at
 * 08:00 when turned on); in-app for every trigger, email for {@code MUTUAL_FAVORITE} and {@code DOWNLOAD_FAILED}, SMS
 * and push for none.
 */
public final class DefaultPreferences {

    public static final String IN_APP = "in_app";
    public static final String EMAIL = "email";
    public static final String SMS = "sms";
    public static final String PUSH = "push";
    /** The channels, in the order documents list them. */
    public static final List<String> CHANNELS = List.of(IN_APP, EMAIL, SMS, PUSH);
    /** The triggers, in the order documents list them. */
    public static final List<String> TRIGGERS = List.of("FAVORITED", "MUTUAL_FAVORITE", "IMAGE_FAVORITED", "DOWNLOAD_COMPLETED",
            "DOWNLOAD_FAILED");

    private static final NotificationPreferences DEFAULTS = build();

    private DefaultPreferences() {
    }

    public static NotificationPreferences get() {
        return DEFAULTS;
    }

    private static NotificationPreferences build() {
        Map<String, Channel> channels = new LinkedHashMap<>();
        channels.put(IN_APP, new Channel(true, null, null));
        for (String channel : List.of(EMAIL, SMS, PUSH)) {
            channels.put(channel, new Channel(true, "off", "08:00"));
        }
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>();
        for (String trigger : TRIGGERS) {
            boolean email = trigger.equals("MUTUAL_FAVORITE") || trigger.equals("DOWNLOAD_FAILED");
            Map<String, Boolean> perChannel = new LinkedHashMap<>();
            perChannel.put(IN_APP, true);
            perChannel.put(EMAIL, email);
            perChannel.put(SMS, false);
            perChannel.put(PUSH, false);
            triggers.put(trigger, Collections.unmodifiableMap(perChannel));
        }
        return new NotificationPreferences("UTC", null, Collections.unmodifiableMap(channels), Collections.unmodifiableMap(triggers));
    }
}
