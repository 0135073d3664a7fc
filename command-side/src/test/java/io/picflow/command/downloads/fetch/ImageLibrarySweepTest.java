package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.support.CommandSideTest;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageStored;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The image library sweep against the real event store: what an {@code ImageStored} event names stays,
 * and so does everything recent or still in use; what no event will refer to goes.
 */
class ImageLibrarySweepTest extends CommandSideTest {

    @Autowired
    EventStore eventStore;

    @TempDir
    Path root;

    @Test
    void files_no_event_refers_to_are_deleted_once_they_are_older_than_the_grace_period() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String kept = imageId("kept" + run);
        String orphan = imageId("orphan" + run);
        String fresh = imageId("fresh" + run);
        String done = "done-" + run;
        String paused = "paused-" + run;
        Instant now = Instant.now();
        // No ImageDownloadRequested: it would start the process manager on these made-up downloads.
        eventStore.publish(List.of(
                event(done, 0, new ImageStored(done, kept, kept, 10, "PNG", "image/png", 1, 1, "https://example.com/a.png", "a.png",
                        List.of(), "sweeper"), now),
                event(done, 1, new ImageDownloadCompleted(done, kept), now),
                event(paused, 0, new ImageDownloadPaused(paused, "sweeper"), now)));

        Instant old = now.minus(Duration.ofHours(2));
        Path keptImage = file(ImageLibrary.imageFile(root, kept), old);
        Path keptThumbnail = file(thumbnail(kept), old);
        Path orphanImage = file(ImageLibrary.imageFile(root, orphan), old);
        Path orphanThumbnail = file(thumbnail(orphan), old);
        Path freshImage = file(ImageLibrary.imageFile(root, fresh), now);
        Path staging = file(ImageLibrary.imageFile(root, orphan).resolveSibling(".staging-123.tmp"), old);
        Path donePartial = file(root.resolve("partial").resolve(done + ".part"), old);
        Path doneFetch = file(root.resolve("partial").resolve(done + ".fetch2"), old);
        Path pausedPartial = file(root.resolve("partial").resolve(paused + ".part"), old);
        Path pausedValidators = file(root.resolve("partial").resolve(paused + ".validators"), old);
        Path unknownPartial = file(root.resolve("partial").resolve("never-requested-" + run + ".part"), old);

        ImageLibrarySweep.Swept swept = new ImageLibrarySweep(root, jdbc, Duration.ofHours(1), Clock.systemUTC()).sweep();

        assertThat(swept).isEqualTo(new ImageLibrarySweep.Swept(1, 1, 1, 3));
        assertThat(keptImage).exists();
        assertThat(keptThumbnail).exists();
        assertThat(freshImage).exists();
        assertThat(pausedPartial).exists();
        assertThat(pausedValidators).exists();
        assertThat(orphanImage).doesNotExist();
        assertThat(orphanThumbnail).doesNotExist();
        assertThat(staging).doesNotExist();
        assertThat(donePartial).doesNotExist();
        assertThat(doneFetch).doesNotExist();
        assertThat(unknownPartial).doesNotExist();
    }

    @Test
    void storing_identical_bytes_again_makes_the_stored_image_recent() throws Exception {
        String id = imageId("again" + UUID.randomUUID());
        Path image = file(ImageLibrary.imageFile(root, id), Instant.now().minus(Duration.ofHours(2)));
        Path thumbnail = file(thumbnail(id), Instant.now().minus(Duration.ofHours(2)));
        Path fetched = Files.createTempFile(root, "fetched", ".tmp");

        new ImageLibrary(root).store(fetched, id, new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB));

        assertThat(Files.getLastModifiedTime(image).toInstant()).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
        assertThat(Files.getLastModifiedTime(thumbnail).toInstant()).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
        assertThat(fetched).doesNotExist();
    }

    private Path thumbnail(String imageId) {
        return root.resolve("thumbnails").resolve(imageId.substring(0, 2)).resolve(imageId + ".png");
    }

    private static Path file(Path path, Instant modified) throws Exception {
        Files.createDirectories(path.getParent());
        Files.write(path, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(path, FileTime.from(modified));
        return path;
    }

    private static String imageId(String seed) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(seed.getBytes()));
    }

    private static GenericDomainEventMessage<?> event(String downloadId, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>("ImageDownload", downloadId, sequence, payload, Map.of(), UUID.randomUUID().toString(), at);
    }
}
