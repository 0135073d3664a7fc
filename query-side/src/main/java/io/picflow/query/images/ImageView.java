package io.picflow.query.images;

import java.time.Instant;
import java.util.List;

/** An image of the shared library, as {@code GET /api/images/{imageId}} shows it. */
public record ImageView(String imageId, String format, String contentType, int width, int height, long bytes, String sha256,
        List<String> sourceUrls, Instant storedAt) {
}
