package io.picflow.platform.admin;

import io.picflow.platform.privacy.SourceUrls;
import io.picflow.platform.security.CurrentUser;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The event browser shows payloads as stored, which hold other users' download URLs (a download's
 * {@code url}, an image's {@code sourceUrl}) and error messages that may quote one. Unless the event
 * names the browsing admin as its {@code requestedBy}, every URL in the payload is
 * {@link SourceUrls#redacted redacted}: the fields that are URLs entirely, other texts where they quote one.
 */
final class RedactedPayloads {

    private static final Set<String> URL_FIELDS = Set.of("url", "sourceUrl");

    private RedactedPayloads() {
    }

    static EventPage shownTo(CurrentUser caller, EventPage page) {
        return new EventPage(page.items().stream().map(event -> shownTo(caller, event)).toList(), page.page(), page.size(),
                page.total());
    }

    private static EventView shownTo(CurrentUser caller, EventView event) {
        if (!(event.payload() instanceof JsonNode payload) || caller.id().equals(requestedBy(payload))) {
            return event;
        }
        return new EventView(event.position(), event.eventId(), event.type(), event.aggregateId(), event.aggregateType(),
                event.sequenceNumber(), event.timestamp(), event.revision(), redacted(payload, false), event.metaData());
    }

    private static String requestedBy(JsonNode payload) {
        JsonNode requestedBy = payload.get("requestedBy");
        return requestedBy != null && requestedBy.isString() ? requestedBy.asString() : null;
    }

    /** {@code node} with its URLs redacted; objects and arrays are changed in place (they were read for this page). */
    private static JsonNode redacted(JsonNode node, boolean isUrl) {
        if (node instanceof ObjectNode object) {
            for (String name : List.copyOf(object.propertyNames())) {
                object.set(name, redacted(object.get(name), URL_FIELDS.contains(name)));
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, redacted(array.get(i), false));
            }
        } else if (node.isString()) {
            String text = node.asString();
            return StringNode.valueOf(isUrl ? SourceUrls.redacted(text) : SourceUrls.redactedIn(text));
        }
        return node;
    }
}
