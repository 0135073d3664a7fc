package io.picflow.command.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import io.picflow.platform.web.ProblemException;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The preferences document of {@code PUT /api/users/me/notification-preferences}: the defaults a user has before their
 * first PUT, and the validation of a PUT (the whole document, every field present; a bad one is a 400 naming it).
 */
final class PreferencesDocument {

    static final String IN_APP = "in_app";
    static final String EMAIL = "email";
    static final String SMS = "sms";
    static final String PUSH = "push";
    static final List<String> CHANNELS = List.of(IN_APP, EMAIL, SMS, PUSH);
    static final Set<String> DIGESTS = Set.of("off", "hourly", "daily");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");

    private PreferencesDocument() {
    }

    /** Time zone UTC, no quiet hours, in-app for every trigger, email for MUTUAL_FAVORITE and DOWNLOAD_FAILED. */
    static NotificationPreferences defaults() {
        Map<String, Channel> channels = new LinkedHashMap<>();
        channels.put(IN_APP, new Channel(true, null, null));
        for (String channel : List.of(EMAIL, SMS, PUSH)) {
            channels.put(channel, new Channel(true, "off", "08:00"));
        }
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>();
        for (Trigger trigger : Trigger.values()) {
            boolean email = trigger == Trigger.MUTUAL_FAVORITE || trigger == Trigger.DOWNLOAD_FAILED;
            Map<String, Boolean> perChannel = new LinkedHashMap<>();
            perChannel.put(IN_APP, true);
            perChannel.put(EMAIL, email);
            perChannel.put(SMS, false);
            perChannel.put(PUSH, false);
            triggers.put(trigger.name(), perChannel);
        }
        return new NotificationPreferences("UTC", null, channels, triggers);
    }

    /** The document as given, validated; a 400 naming the first bad or missing field otherwise. */
    static NotificationPreferences parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw bad("body", "a JSON object");
        }
        String zone = text(body, "timeZone");
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw bad("timeZone", "an IANA time zone such as Europe/Berlin");
        }
        QuietHours quietHours = null;
        JsonNode quiet = required(body, "quietHours");
        if (!quiet.isNull()) {
            if (!quiet.isObject()) {
                throw bad("quietHours", "an object or null");
            }
            String start = time(quiet, "quietHours.start");
            String end = time(quiet, "quietHours.end");
            if (start.equals(end)) {
                throw bad("quietHours.end", "a time other than quietHours.start");
            }
            quietHours = new QuietHours(start, end, bool(quiet, "quietHours.allowHighPriority"));
        }
        JsonNode channelsNode = object(body, "channels");
        unknownNames(channelsNode, "channels", CHANNELS);
        Map<String, Channel> channels = new LinkedHashMap<>();
        for (String name : CHANNELS) {
            JsonNode channel = object(channelsNode, "channels." + name);
            boolean enabled = bool(channel, "channels." + name + ".enabled");
            if (name.equals(IN_APP)) {
                channels.put(name, new Channel(enabled, null, null));
            } else {
                String digest = text(channel, "channels." + name + ".digest");
                if (!DIGESTS.contains(digest)) {
                    throw bad("channels." + name + ".digest", "off, hourly or daily");
                }
                channels.put(name, new Channel(enabled, digest, time(channel, "channels." + name + ".digestAt")));
            }
        }
        JsonNode triggersNode = object(body, "triggers");
        unknownNames(triggersNode, "triggers", java.util.Arrays.stream(Trigger.values()).map(Enum::name).toList());
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>();
        for (Trigger trigger : Trigger.values()) {
            JsonNode perChannelNode = object(triggersNode, "triggers." + trigger.name());
            unknownNames(perChannelNode, "triggers." + trigger.name(), CHANNELS);
            Map<String, Boolean> perChannel = new LinkedHashMap<>();
            for (String channel : CHANNELS) {
                perChannel.put(channel, bool(perChannelNode, "triggers." + trigger.name() + "." + channel));
            }
            triggers.put(trigger.name(), perChannel);
        }
        return new NotificationPreferences(zone, quietHours, channels, triggers);
    }

    private static void unknownNames(JsonNode node, String field, List<String> known) {
        for (Iterator<String> names = node.propertyNames().iterator(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ProblemException.badRequest(field + "." + name + ": unknown; expected one of " + String.join(", ", known));
            }
        }
    }

    private static JsonNode required(JsonNode parent, String path) {
        JsonNode node = parent.get(path.substring(path.lastIndexOf('.') + 1));
        if (node == null) {
            throw ProblemException.badRequest(path + ": missing");
        }
        return node;
    }

    private static JsonNode object(JsonNode parent, String path) {
        JsonNode node = required(parent, path);
        if (!node.isObject()) {
            throw bad(path, "an object");
        }
        return node;
    }

    private static String text(JsonNode parent, String path) {
        JsonNode node = required(parent, path);
        if (!node.isString()) {
            throw bad(path, "a string");
        }
        return node.asString();
    }

    private static boolean bool(JsonNode parent, String path) {
        JsonNode node = required(parent, path);
        if (!node.isBoolean()) {
            throw bad(path, "true or false");
        }
        return node.asBoolean();
    }

    private static String time(JsonNode parent, String path) {
        String value = text(parent, path);
        try {
            return LocalTime.parse(value, TIME).format(TIME);
        } catch (DateTimeParseException e) {
            throw bad(path, "a time HH:mm, such as 22:00");
        }
    }

    private static ProblemException bad(String field, String expected) {
        return ProblemException.badRequest(field + ": must be " + expected);
    }
}
