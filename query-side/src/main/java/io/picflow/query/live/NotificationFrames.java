package io.picflow.query.live;

import io.picflow.events.notifications.AllNotificationsRead;
import io.picflow.events.notifications.NotificationRead;
import io.picflow.query.notifications.NotificationItem;
import io.picflow.query.notifications.NotificationTexts;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the frames of {@code /ws?scope=notifications} (docs/websocket.md): a new notification with the fields of an
 * inbox item ({@link NotificationItem}, serialised as the REST API serialises it), a notification read, the inbox read
 * up to a time. Like download frames they are stamped with their type, time and correlation
 * ({@link DownloadFrames#stamp}); their owner is the recipient and they have no download id.
 */
final class NotificationFrames {

    static final String CREATED = "Notification";
    static final String READ = "NotificationRead";
    static final String ALL_READ = "AllNotificationsRead";
    /** The frame types of the notifications feed, and only its. */
    static final Set<String> TYPES = Set.of(CREATED, READ, ALL_READ);

    private final JsonMapper json;

    NotificationFrames(JsonMapper json) {
        this.json = json;
    }

    ObjectNode created(NotificationItem item) {
        ObjectNode frame = json.createObjectNode();
        frame.put("type", "");
        frame.setAll((ObjectNode) json.valueToTree(item));
        return frame;
    }

    ObjectNode read(NotificationRead event) {
        ObjectNode frame = json.createObjectNode();
        frame.put("type", "");
        frame.put("notificationId", event.notificationId());
        return frame;
    }

    ObjectNode allRead(AllNotificationsRead event) {
        ObjectNode frame = json.createObjectNode();
        frame.put("type", "");
        frame.put("upTo", event.upTo().toString());
        return frame;
    }

    /**
     * A stored {@code Notification} frame without {@code userId}, who was erased: no longer its actor (whose display name
     * the text may show: it reads "Someone" now) nor its subject. Null if the frame does not name them.
     */
    String withoutUser(String frame, String userId) {
        ObjectNode node = (ObjectNode) json.readTree(frame);
        boolean changed = false;
        JsonNode actor = node.get("actor");
        if (actor != null && actor.isObject() && userId.equals(actor.path("userId").asString(null))) {
            node.putNull("actor");
            String trigger = node.path("trigger").asString("");
            if (NotificationTexts.namesActor(trigger)) {
                // The count matters only to texts that name no actor.
                node.put("text", NotificationTexts.text(trigger, 1, null));
            }
            changed = true;
        }
        JsonNode subject = node.get("subject");
        if (subject instanceof ObjectNode subjectNode && "user".equals(subject.path("type").asString(null))
                && userId.equals(subject.path("id").asString(null))) {
            subjectNode.putNull("id");
            changed = true;
        }
        return changed ? json.writeValueAsString(node) : null;
    }
}
