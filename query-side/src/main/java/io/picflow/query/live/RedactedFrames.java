package io.picflow.query.live;

import io.picflow.platform.privacy.SourceUrls;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A download frame as someone other than its owner (an admin) receives it: the {@code url} and any URL
 * in {@code error.message} {@link SourceUrls#redacted redacted}. Frames are stored as their owner sees
 * them, and redacted when sent.
 */
final class RedactedFrames {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RedactedFrames() {
    }

    static String forOthers(String frame) {
        // Without any of these characters no URL in the frame has user info, a query or a fragment.
        if (frame.indexOf('?') < 0 && frame.indexOf('#') < 0 && frame.indexOf('@') < 0) {
            return frame;
        }
        ObjectNode node = (ObjectNode) JSON.readTree(frame);
        if (node.path("url").isString()) {
            node.put("url", SourceUrls.redacted(node.get("url").asString()));
        }
        if (node.get("error") instanceof ObjectNode error && error.path("message").isString()) {
            error.put("message", SourceUrls.redactedIn(error.get("message").asString()));
        }
        return JSON.writeValueAsString(node);
    }
}
