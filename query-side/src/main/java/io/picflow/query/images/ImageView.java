package io.picflow.query.images;

import java.time.Instant;
import java.util.List;

/** An image of the shared library, as {@code GET /api/images/{imageId}} shows it. */
public record ImageView(String imageId, String format, String contentType, int width, int height, long bytes, String sha256,
        List<String> sourceUrls, Instant storedAt, long favoriteCount) {

    /** The same image with how many users favorite it (from the favorites read model). */
    public ImageView withFavoriteCount(long count) {
        return new ImageView(imageId, format, contentType, width, height, bytes, sha256, sourceUrls, storedAt, count);
    }
}
