package io.picflow.command.downloads.fetch;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import javax.imageio.ImageIO;

/**
 * The stored images, content-addressed: an image's id is its SHA-256, its file lives at
 * {@code images/<first two hex digits>/<sha256>} and its thumbnail (PNG) under {@code thumbnails/}.
 * Files are written aside and moved into place atomically, so no partial file is ever visible, and
 * identical bytes from different URLs are stored once. The query side serves these files. What no event
 * refers to is deleted by {@link ImageLibrarySweep}.
 *
 * <p>{@link #store} returns only once the files and the directory entries that name them are on disk (fsync of the
 * file, then of each directory it changed): {@code ImageStored} follows, and an event must never refer to an image
 * that a crash of the machine could take back (ADR 0014).
 */
public final class ImageLibrary {

    private final Path root;

    ImageLibrary(Path root) {
        this.root = root;
    }

    Path partialDirectory() {
        return root.resolve("partial");
    }

    /** Where the image with this id is (or would be) stored under {@code root}. */
    public static Path imageFile(Path root, String imageId) {
        return root.resolve("images").resolve(imageId.substring(0, 2)).resolve(imageId);
    }

    static String imageIdOf(String sha256) {
        return sha256;
    }

    /** Moves the fetched file into the library (or drops it when the same bytes are stored already). */
    void store(Path fetched, String sha256, BufferedImage thumbnail) {
        try {
            Path thumbnailTarget = root.resolve("thumbnails").resolve(sha256.substring(0, 2)).resolve(sha256 + ".png");
            if (Files.exists(thumbnailTarget)) {
                touch(thumbnailTarget);
            } else {
                Path staging = stagingFileFor(thumbnailTarget);
                ImageIO.write(thumbnail, "png", staging.toFile());
                moveIntoPlace(staging, thumbnailTarget);
            }
            Path imageTarget = imageFile(root, sha256);
            if (Files.exists(imageTarget)) {
                // Touched: the sweep leaves recent files alone, and this one is about to be referenced again.
                touch(imageTarget);
                Files.deleteIfExists(fetched);
            } else {
                Path staging = stagingFileFor(imageTarget);
                Files.move(fetched, staging, StandardCopyOption.REPLACE_EXISTING);
                moveIntoPlace(staging, imageTarget);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store image " + sha256, e);
        }
    }

    private static void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    }

    private static Path stagingFileFor(Path target) throws IOException {
        createDirectoriesDurably(target.getParent());
        return Files.createTempFile(target.getParent(), ".staging-", ".tmp");
    }

    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        force(staging, StandardOpenOption.WRITE);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
            // Another download stored the same bytes at the same moment: theirs is identical.
            Files.deleteIfExists(staging);
        }
        force(target.getParent(), StandardOpenOption.READ); // the rename itself
    }

    /** Creates what is missing of {@code directory}, and flushes each new entry in its parent. */
    private static void createDirectoriesDurably(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        createDirectoriesDurably(directory.getParent());
        try {
            Files.createDirectory(directory);
        } catch (FileAlreadyExistsException raced) {
            return; // another download created it, and flushes it
        }
        force(directory.getParent(), StandardOpenOption.READ);
    }

    /** fsync: of a file's content, or of a directory's entries (Linux allows opening a directory to read it). */
    private static void force(Path path, StandardOpenOption mode) throws IOException {
        try (FileChannel channel = FileChannel.open(path, mode)) {
            channel.force(true);
        }
    }
}
