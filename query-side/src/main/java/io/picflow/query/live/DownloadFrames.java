package io.picflow.query.live;

import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.query.downloads.DownloadChange;
import io.picflow.query.downloads.DownloadStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds download frames: a download's whole state after an event, plus what happened (docs/websocket.md).
 * Column names of a {@link DownloadChange} become the camelCase fields of {@code GET /api/downloads/{id}}.
 */
final class DownloadFrames {

    private final JsonMapper json;

    DownloadFrames(JsonMapper json) {
        this.json = json;
    }

    ObjectNode requested(ImageDownloadRequested event) {
        ObjectNode frame = json.createObjectNode();
        frame.put("type", "");
        frame.put("downloadId", event.downloadId());
        frame.put("status", DownloadStatus.REQUESTED.name());
        frame.put("bytesReceived", 0L);
        frame.putNull("totalBytes");
        frame.put("attempt", 0);
        frame.putNull("imageId");
        frame.putNull("error");
        frame.putNull("nextAttemptAt");
        frame.put("url", event.url());
        frame.put("fileName", event.fileName());
        return frame;
    }

    /** A download whose request the feed never saw (it predates the feed): what the event itself tells. */
    ObjectNode unknown(String downloadId) {
        ObjectNode frame = json.createObjectNode();
        frame.put("type", "");
        frame.put("downloadId", downloadId);
        return frame;
    }

    ObjectNode parse(String frame) {
        return (ObjectNode) json.readTree(frame);
    }

    void apply(ObjectNode frame, DownloadChange change) {
        Map<String, Object> columns = change.columns();
        columns.forEach((column, value) -> {
            if (!column.startsWith("error_")) {
                put(frame, camelCase(column), value);
            }
        });
        if (columns.containsKey("error_code")) {
            if (columns.get("error_code") == null) {
                frame.putNull("error");
            } else {
                ObjectNode error = frame.putObject("error");
                error.put("code", (String) columns.get("error_code"));
                error.put("message", (String) columns.get("error_message"));
                error.put("retryable", (Boolean) columns.get("error_retryable"));
            }
        }
    }

    /** Sets what this event adds to the state: its name, time and correlation. */
    String stamp(ObjectNode frame, String type, Instant timestamp, String correlationId) {
        frame.put("type", type);
        frame.put("timestamp", timestamp.toString());
        frame.put("correlationId", correlationId);
        return json.writeValueAsString(frame);
    }

    private static void put(ObjectNode frame, String field, Object value) {
        if (value == null) {
            frame.putNull(field);
        } else if (value instanceof Number number) {
            frame.put(field, number.longValue());
        } else if (value instanceof OffsetDateTime time) {
            frame.put(field, time.toInstant().toString());
        } else {
            frame.put(field, value.toString());
        }
    }

    private static String camelCase(String column) {
        StringBuilder field = new StringBuilder(column.length());
        boolean upper = false;
        for (char c : column.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                field.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return field.toString();
    }
}
