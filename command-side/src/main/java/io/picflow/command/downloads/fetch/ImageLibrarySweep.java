package io.picflow.command.downloads.fetch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Deletes what the image library holds that no event will ever refer to:
 * <ul>
 * <li>images and thumbnails that no {@code ImageStored} event names (a download cancelled while it was
 * storing, a crash between the file's move and the event);</li>
 * <li>staging files a crash left behind;</li>
 * <li>partial files of downloads that completed or were cancelled, or that the event store does not know.</li>
 * </ul>
 * Only files untouched for the grace period go: an image is stored before its event is appended, and a
 * download that stores identical bytes again touches the existing file ({@link ImageLibrary#store}), so
 * neither is taken for unreferenced in between. Partial files of paused, failed (a retry continues them)
 * or running downloads stay.
 */
public final class ImageLibrarySweep {

    /** What one sweep deleted. */
    public record Swept(int images, int thumbnails, int staging, int partials) {
    }

    private static final Logger log = LoggerFactory.getLogger(ImageLibrarySweep.class);
    private static final Pattern IMAGE_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> FINISHED = Set.of("ImageDownloadCompleted", "ImageDownloadCancelled");

    private final Path root;
    private final JdbcClient jdbc;
    private final Duration grace;
    private final Clock clock;

    public ImageLibrarySweep(Path root, JdbcClient jdbc, Duration grace, Clock clock) {
        this.root = root;
        this.jdbc = jdbc;
        this.grace = grace;
        this.clock = clock;
    }

    public Swept sweep() {
        Instant cutoff = clock.instant().minus(grace);
        // Read after the cutoff is taken: an image stored since then is younger than the cutoff anyway.
        Set<String> referenced = new HashSet<>(jdbc.sql("SELECT DISTINCT convert_from(payload, 'UTF8')::jsonb ->> 'imageId' "
                + "FROM domain_event_entry WHERE picflow_event_type(payload_type) = 'ImageStored'").query(String.class).list());
        int staging = deleteOld(root.resolve("images"), cutoff, name -> name.startsWith(".staging-"))
                + deleteOld(root.resolve("thumbnails"), cutoff, name -> name.startsWith(".staging-"));
        int images = deleteOld(root.resolve("images"), cutoff, name -> IMAGE_ID.matcher(name).matches() && !referenced.contains(name));
        int thumbnails = deleteOld(root.resolve("thumbnails"), cutoff, name -> name.endsWith(".png")
                && IMAGE_ID.matcher(name.substring(0, name.length() - 4)).matches() && !referenced.contains(name.substring(0, name.length() - 4)));
        // Partial files are named after their download: <id>.part, <id>.validators, <id>.fetch<n>.
        int partials = deleteOld(root.resolve("partial"), cutoff, name -> finishedOrUnknown(name.contains(".")
                ? name.substring(0, name.indexOf('.')) : name));
        Swept swept = new Swept(images, thumbnails, staging, partials);
        if (images + thumbnails + staging + partials > 0) {
            log.info("Image library sweep deleted {} image(s), {} thumbnail(s), {} staging file(s) and {} partial file(s) that no "
                    + "event refers to", images, thumbnails, staging, partials);
        }
        return swept;
    }

    /** A download whose last event finished it, or that the event store does not know at all. */
    private boolean finishedOrUnknown(String downloadId) {
        Optional<String> last = jdbc.sql("SELECT picflow_event_type(payload_type) FROM domain_event_entry "
                        + "WHERE aggregate_identifier = :id ORDER BY sequence_number DESC LIMIT 1")
                .param("id", downloadId).query(String.class).optional();
        return last.isEmpty() || FINISHED.contains(last.get());
    }

    /** Deletes the files below {@code directory} (one level of sub-directories) last modified before {@code cutoff}. */
    private static int deleteOld(Path directory, Instant cutoff, Predicate<String> unwanted) {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        int deleted = 0;
        try (Stream<Path> files = Files.walk(directory, 2)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff) && unwanted.test(file.getFileName().toString())
                            && Files.deleteIfExists(file)) {
                        deleted++;
                    }
                } catch (IOException e) {
                    log.warn("Image library sweep could not look at or delete {}: {}", file, e.toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + directory, e);
        }
        return deleted;
    }
}
