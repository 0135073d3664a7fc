package io.picflow.query.images;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where the command side's worker stored an image and its thumbnail (content-addressed by SHA-256,
 * under the shared storage directory). Read-only here.
 */
@Component
class ImageFiles {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;

    ImageFiles(@Value("${picflow.images.storage-dir}") Path root) {
        this.root = root;
    }

    Optional<Path> content(String sha256) {
        return existing(sha256, root.resolve("images"), sha256);
    }

    Optional<Path> thumbnail(String sha256) {
        return existing(sha256, root.resolve("thumbnails"), sha256 + ".png");
    }

    private static Optional<Path> existing(String sha256, Path directory, String name) {
        if (!SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        Path file = directory.resolve(sha256.substring(0, 2)).resolve(name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }
}
