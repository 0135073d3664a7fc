import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageProcessed;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.downloads.ImageValidated;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.privacy.PersonalData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;

/**
 * The benches' event history, from a fixed seed: about 70 % download events (11 per download, 4 of them
 * progress; correlation id {@code bench-<download id>}), the rest registrations, favorites, mutuals and
 * image favorites. Made and appended in chunks, so that a million events never sit in memory at once.
 */
final class RealisticEvents {

    private final Random random = new Random(20261123);
    /** Display names travel encrypted with their user's key, as the command side writes them. */
    private final PersonalData personalData;
    private final int total;
    private final int users;
    private final List<String> imageIds = new ArrayList<>();
    private final Map<String, Long> pairSequence = new HashMap<>();
    private Instant t = Instant.parse("2026-11-01T00:00:00Z");
    private int made;
    private int registered;
    private int downloads;

    RealisticEvents(int total, PersonalData personalData) {
        this.total = total;
        this.personalData = personalData;
        this.users = Math.max(10, total / 30);
    }

    /** Appends {@code total} events through the storage engine, a thousand per call; returns how many. */
    static long append(EventStorageEngine storage, PersonalData personalData, int total) {
        RealisticEvents events = new RealisticEvents(total, personalData);
        long appended = 0;
        for (List<EventMessage<?>> chunk = events.next(1000); !chunk.isEmpty(); chunk = events.next(1000)) {
            storage.appendEvents(chunk);
            appended += chunk.size();
        }
        return appended;
    }

    /** The next events, about {@code size} of them (a download's are never split), or none at the end. */
    List<EventMessage<?>> next(int size) {
        List<EventMessage<?>> events = new ArrayList<>(size + 16);
        while (events.size() < size && made < total) {
            int before = events.size();
            if (registered < users) {
                add(events, "User", "user-bench-" + registered, 0, new UserRegistered("bench-" + registered,
                        personalData.seal("bench-" + registered, "User " + registered)));
                registered++;
            } else if (random.nextInt(10) < 7) {
                download(events);
            } else if (random.nextBoolean() || imageIds.isEmpty()) {
                favorite(events);
            } else {
                String user = "bench-" + random.nextInt(users);
                String image = imageIds.get(random.nextInt(imageIds.size()));
                add(events, "ImageFavorite", "fav-" + made, 0, new ImageFavorited(user, image, "bench"));
            }
            made += events.size() - before;
        }
        if (made > total) { // the last download may go past the total
            int extra = made - total;
            events = events.subList(0, events.size() - extra);
            made = total;
        }
        return events;
    }

    private void download(List<EventMessage<?>> events) {
        String id = "dl-" + downloads++;
        String owner = "bench-" + random.nextInt(users);
        String imageId = String.format("%064x", downloads);
        imageIds.add(imageId);
        long size = 10_000 + random.nextInt(5_000_000);
        long s = 0;
        add(events, "ImageDownload", id, s++, new ImageDownloadRequested(id, "https://img.example.com/" + id + ".png",
                id + ".png", List.of("tag" + random.nextInt(50)), owner));
        add(events, "ImageDownload", id, s++, new ImageFetchStarted(id, 1, 1, 0));
        for (int p = 1; p <= 4; p++) {
            add(events, "ImageDownload", id, s++, new ImageFetchProgressed(id, 1, size * p / 5, size));
        }
        add(events, "ImageDownload", id, s++, new ImageFetched(id, 1, size, "image/png", imageId));
        add(events, "ImageDownload", id, s++, new ImageValidated(id, 1, "PNG", 800, 600));
        add(events, "ImageDownload", id, s++, new ImageProcessed(id, 1, 256, 192));
        add(events, "ImageDownload", id, s++, new ImageStored(id, imageId, imageId, size, "PNG", "image/png", 800, 600,
                "https://img.example.com/" + id + ".png", id + ".png", List.of("tag" + random.nextInt(50)), owner));
        add(events, "ImageDownload", id, s, new ImageDownloadCompleted(id, imageId));
    }

    private void favorite(List<EventMessage<?>> events) {
        int a = random.nextInt(users);
        int b = (a + 1 + random.nextInt(users - 1)) % users;
        String pair = "pair-" + Math.min(a, b) + "-" + Math.max(a, b);
        long s = pairSequence.merge(pair, 1L, Long::sum) - 1;
        add(events, "Relationship", pair, s, new UserFavorited("bench-" + a, "bench-" + b, "bench"));
        if (random.nextInt(5) == 0) {
            s = pairSequence.merge(pair, 1L, Long::sum) - 1;
            add(events, "Relationship", pair, s, new MutualFavoriteFormed("bench-" + Math.min(a, b), "bench-" + Math.max(a, b),
                    "bench-" + a));
        }
    }

    private void add(List<EventMessage<?>> events, String type, String aggregateId, long sequence, Object payload) {
        t = t.plusMillis(3);
        events.add(new GenericDomainEventMessage<>(type, aggregateId, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "bench-" + aggregateId), java.util.UUID.randomUUID().toString(), t));
    }
}
