package io.picflow.query.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A preferences document as {@code GET /api/users/me/notification-preferences} answers it: the document as the user
 * set it (the shape {@code PUT} takes), each channel with the read-only {@code available} flag of this installation
 * ({@code picflow.notifications.available-channels}). Every field is present: {@code quietHours} is null for none. The
 * in-app channel has no digest.
 *
 * <pre>{"timeZone": "UTC", "quietHours": null,
 *  "channels": {"in_app": {"enabled": true, "available": true},
 *               "email": {"enabled": true, "available": true, "digest": "off", "digestAt": "08:00"}, ...},
 *  "triggers": {"FAVORITED": {"in_app": true, "email": false, "sms": false, "push": false}, ...}}</pre>
 */
final class PreferencesView {

    private final JsonMapper json;
    private final Set<String> availableChannels;

    PreferencesView(JsonMapper json, Set<String> availableChannels) {
        this.json = json;
        this.availableChannels = Set.copyOf(availableChannels);
    }

    ObjectNode render(NotificationPreferences preferences) {
        ObjectNode document = json.createObjectNode();
        document.put("timeZone", preferences.timeZone());
        QuietHours quiet = preferences.quietHours();
        if (quiet == null) {
            document.putNull("quietHours");
        } else {
            ObjectNode quietHours = document.putObject("quietHours");
            quietHours.put("start", quiet.start());
            quietHours.put("end", quiet.end());
            quietHours.put("allowHighPriority", quiet.allowHighPriority());
        }
        ObjectNode channels = document.putObject("channels");
        if (preferences.channels() != null) {
            preferences.channels().forEach((name, settings) -> channel(channels.putObject(name), name, settings));
        }
        ObjectNode triggers = document.putObject("triggers");
        if (preferences.triggers() != null) {
            for (Map.Entry<String, Map<String, Boolean>> trigger : preferences.triggers().entrySet()) {
                ObjectNode perChannel = triggers.putObject(trigger.getKey());
                trigger.getValue().forEach((channel, on) -> perChannel.put(channel, Boolean.TRUE.equals(on)));
            }
        }
        return document;
    }

    private void channel(ObjectNode node, String name, Channel settings) {
        node.put("enabled", settings != null && settings.enabled());
        node.put("available", availableChannels.contains(name));
        if (!name.equals(DefaultPreferences.IN_APP)) {
            node.put("digest", settings == null ? null : settings.digest());
            node.put("digestAt", settings == null ? null : settings.digestAt());
        }
    }
}
