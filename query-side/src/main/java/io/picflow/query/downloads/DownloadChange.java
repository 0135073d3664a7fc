package io.picflow.query.downloads;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/** The columns one event changes in a download's row; column names are ours, never input. */
public final class DownloadChange {

    private final Map<String, Object> columns = new LinkedHashMap<>();

    static DownloadChange status(DownloadStatus status) {
        return new DownloadChange().set("status", status.name());
    }

    DownloadChange set(String column, Object value) {
        columns.put(column, value instanceof Instant instant ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : value);
        return this;
    }

    DownloadChange withoutError() {
        return set("error_code", null).set("error_message", null).set("error_retryable", null).set("next_attempt_at", null);
    }

    DownloadChange withError(String code, String message, boolean retryable) {
        String bounded = message == null ? null : message.substring(0, Math.min(1000, message.length()));
        return set("error_code", code).set("error_message", bounded).set("error_retryable", retryable);
    }

    /** Column name to new value, in the order set; instants as UTC {@link OffsetDateTime}s. */
    public Map<String, Object> columns() {
        return columns;
    }
}
