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
        Instant updatedAt) {
}
