package io.picflow.query.images;

import io.picflow.platform.privacy.SourceUrls;
import io.picflow.platform.security.CurrentUser;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An image of the shared library, as {@code GET /api/images/{imageId}} shows it to one caller.
 *
 * @param sourceUrls the URLs the caller may see ({@link SourceUrls#shownTo}): their own in full, for an
 *                   admin everyone's redacted; null (left out) for a caller who did not download the image
 */
public record ImageView(String imageId, String format, String contentType, int width, int height, long bytes, String sha256,
        List<String> sourceUrls, Instant storedAt, long favoriteCount) {

    /** What {@code caller} sees of {@code image}; never who else downloaded it. */
    static ImageView shownTo(StoredImage image, CurrentUser caller) {
        List<String> urls = image.sources().stream()
                .map(source -> SourceUrls.shownTo(caller, source.url(), source.requestedBy()))
                .filter(Objects::nonNull)
                .distinct() // two users' signed URLs of one object redact alike
                .sorted()
                .toList();
        return new ImageView(image.imageId(), image.format(), image.contentType(), image.width(), image.height(), image.bytes(),
                image.sha256(), urls.isEmpty() ? null : urls, image.storedAt(), image.favoriteCount());
    }
}
