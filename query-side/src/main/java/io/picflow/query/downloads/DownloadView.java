package io.picflow.query.downloads;

import java.time.Instant;
import java.util.List;

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

    static DownloadView requested(String downloadId, String url, String fileName, List<String> tags, String requestedBy,
            String correlationId, Instant at) {
        return new DownloadView(downloadId, url, fileName, tags, DownloadStatus.REQUESTED, requestedBy, correlationId, at, at,
                0, null, 0, null, null, null);
    }
}
