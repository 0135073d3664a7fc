package io.picflow.query.images;

import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import io.picflow.query.cache.ReadCache;
import io.picflow.query.favorites.FavoritesReadModel;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.WebRequest;

/**
 * The shared image library: any signed-in user may view stored images, but not where others downloaded
 * them from ({@link ImageView#shownTo}). Content is addressed by its
 * SHA-256, so it never changes: strong ETags, conditional GETs (304) and long-lived caching.
 */
@RestController
class ImageQueryController {

    private static final CacheControl IMMUTABLE = CacheControl.maxAge(Duration.ofDays(365)).cachePrivate().immutable();

    private final ImageReadModel images;
    private final ReadCache cache;
    private final ImageFiles files;
    private final FavoritesReadModel favorites;

    ImageQueryController(ImageReadModel images, ReadCache cache, ImageFiles files, FavoritesReadModel favorites) {
        this.images = images;
        this.cache = cache;
        this.files = files;
        this.favorites = favorites;
    }

    @GetMapping(path = "/api/images/{imageId}", produces = MediaType.APPLICATION_JSON_VALUE)
    ImageView get(@PathVariable String imageId) {
        StoredImage image = cache.image(imageId)
                .or(() -> images.find(imageId).map(found -> found.withFavoriteCount(favorites.imageFavoriteCount(imageId))))
                .orElseThrow(() -> ProblemException.notFound("No image " + imageId));
        return ImageView.shownTo(image, CurrentUser.get());
    }

    @GetMapping("/api/images/{imageId}/content")
    ResponseEntity<Resource> content(@PathVariable String imageId, WebRequest request) {
        StoredImage image = image(imageId);
        String etag = "\"" + image.sha256() + "\"";
        if (request.checkNotModified(etag)) {
            return null; // Spring answers 304 Not Modified
        }
        Path file = files.content(image.sha256())
                .orElseThrow(() -> ProblemException.notFound("The content of image " + imageId + " is not available"));
        return ResponseEntity.ok().eTag(etag).cacheControl(IMMUTABLE)
                .contentType(MediaType.parseMediaType(image.contentType()))
                .body(new FileSystemResource(file));
    }

    @GetMapping("/api/images/{imageId}/thumbnail")
    ResponseEntity<Resource> thumbnail(@PathVariable String imageId, WebRequest request) {
        StoredImage image = image(imageId);
        String etag = "\"" + image.sha256() + "-thumbnail\"";
        if (request.checkNotModified(etag)) {
            return null;
        }
        Path file = files.thumbnail(image.sha256())
                .orElseThrow(() -> ProblemException.notFound("The thumbnail of image " + imageId + " is not available"));
        return ResponseEntity.ok().eTag(etag).cacheControl(IMMUTABLE).contentType(MediaType.IMAGE_PNG)
                .body(new FileSystemResource(file));
    }

    /** The image from the cache, else from PostgreSQL (without its favorite count, which the content does not need). */
    private StoredImage image(String imageId) {
        return cache.image(imageId).or(() -> images.find(imageId)).orElseThrow(() -> ProblemException.notFound("No image " + imageId));
    }
}
