package io.picflow.query.downloads;

import io.picflow.platform.privacy.SourceUrls;
import io.picflow.platform.security.CurrentUser;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** A download as {@code GET /api/downloads/{id}} shows it. */
public record DownloadView(
        String downloadId,
        String url,
        String fileName,
        List<String> tags,
        DownloadStatus status,
        String requestedBy,
        String correlationId,
        Instant requestedAt,
        Instant updatedAt,
        long bytesReceived,
        Long totalBytes,
        int attempt,
        String imageId,
        DownloadError error,
        Instant nextAttemptAt) {

    /** Why the download failed (or why its last attempt did, while a retry is scheduled). */
    public record DownloadError(String code, String message, boolean retryable) {
    }

    /**
     * This download after {@code change} at {@code at}: the in-memory twin of the UPDATE that
     * {@link DownloadReadModel} runs, for read models that keep downloads outside PostgreSQL.
     */
    public DownloadView with(DownloadChange change, Instant at) {
        DownloadStatus status = this.status;
        long bytesReceived = this.bytesReceived;
        Long totalBytes = this.totalBytes;
        int attempt = this.attempt;
        String imageId = this.imageId;
        String errorCode = error == null ? null : error.code();
        String errorMessage = error == null ? null : error.message();
        Boolean errorRetryable = error == null ? null : error.retryable();
        Instant nextAttemptAt = this.nextAttemptAt;
        for (Map.Entry<String, Object> column : change.columns().entrySet()) {
            Object value = column.getValue();
            switch (column.getKey()) {
                case "status" -> status = DownloadStatus.valueOf((String) value);
                case "bytes_received" -> bytesReceived = ((Number) value).longValue();
                case "total_bytes" -> totalBytes = value == null ? null : ((Number) value).longValue();
                case "attempt" -> attempt = ((Number) value).intValue();
                case "image_id" -> imageId = (String) value;
                case "error_code" -> errorCode = (String) value;
                case "error_message" -> errorMessage = (String) value;
                case "error_retryable" -> errorRetryable = (Boolean) value;
                case "next_attempt_at" -> nextAttemptAt = value == null ? null : ((OffsetDateTime) value).toInstant();
                default -> throw new IllegalArgumentException("Unknown download column " + column.getKey());
            }
        }
        DownloadError error = errorCode == null ? null : new DownloadError(errorCode, errorMessage, Boolean.TRUE.equals(errorRetryable));
        return new DownloadView(downloadId, url, fileName, tags, status, requestedBy, correlationId, requestedAt, at, bytesReceived,
                totalBytes, attempt, imageId, error, nextAttemptAt);
    }

    /**
     * This download as {@code caller} may see it: as it is for its requester; for anyone else (an admin) with
     * the URL, and any URL an error message quotes, {@link SourceUrls#redacted redacted}.
     */
    public DownloadView shownTo(CurrentUser caller) {
        if (caller.id().equals(requestedBy)) {
            return this;
        }
        DownloadError shownError = error == null ? null
                : new DownloadError(error.code(), SourceUrls.redactedIn(error.message()), error.retryable());
        return new DownloadView(downloadId, SourceUrls.redacted(url), fileName, tags, status, requestedBy, correlationId, requestedAt,
                updatedAt, bytesReceived, totalBytes, attempt, imageId, shownError, nextAttemptAt);
    }

    public static DownloadView requested(String downloadId, String url, String fileName, List<String> tags, String requestedBy,
            String correlationId, Instant at) {
        return new DownloadView(downloadId, url, fileName, tags, DownloadStatus.REQUESTED, requestedBy, correlationId, at, at,
                0, null, 0, null, null, null);
    }
}
