package io.picflow.query.support;

import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserExcluded;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserShortlisted;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.privacy.PersonalData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;

/**
 * A small, realistic history with unique ids: three users, two completed downloads of the same image
 * from two URLs, a failed download, user favorites with a mutual, a shortlist and an exclusion, and
 * image favorites with an unfavorite.
 */
public record RealisticHistory(String ann, String bob, String cat, String imageId, String stored, String again, String failed,
        Instant start, List<EventMessage<?>> events) {

    /** {@code personalData} seals personal text as the command side puts it in events. */
    public static RealisticHistory create(PersonalData personalData) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ann = "ann-" + run;
        String bob = "bob-" + run;
        String cat = "cat-" + run;
        String imageId = "%064x".formatted(Math.abs(run.hashCode()));
        String stored = "stored-" + run;
        String again = "again-" + run;
        String failed = "failed-" + run;
        Instant t = Instant.parse("2026-11-02T10:00:00Z");

        List<EventMessage<?>> history = new ArrayList<>();
        for (String user : List.of(ann, bob, cat)) {
            history.add(event("User", "user-" + user, 0, new UserRegistered(user, personalData.seal(user, "Name of " + user)), t));
        }
        history.addAll(completedDownload(stored, ann, imageId, "https://a.example.com/1.png", t.plusSeconds(1)));
        history.addAll(completedDownload(again, bob, imageId, "https://b.example.com/same.png", t.plusSeconds(20)));
        history.add(event("ImageDownload", failed, 0, new ImageDownloadRequested(failed, "https://c.example.com/x", "x", List.of(), cat),
                t.plusSeconds(2)));
        history.add(event("ImageDownload", failed, 1, new ImageFetchStarted(failed, 1, 1, 0), t.plusSeconds(3)));
        history.add(event("ImageDownload", failed, 2, new ImageDownloadFailed(failed, "NOT_AN_IMAGE", "HTML page", false, 1),
                t.plusSeconds(4)));
        String pair = "pair-" + run;
        history.add(event("Relationship", pair, 0, new UserFavorited(ann, bob, "profile"), t.plusSeconds(30)));
        history.add(event("Relationship", pair, 1, new UserFavorited(bob, ann, "profile"), t.plusSeconds(31)));
        history.add(event("Relationship", pair, 2, new MutualFavoriteFormed(ann, bob, bob), t.plusSeconds(31)));
        history.add(event("Relationship", "pair2-" + run, 0, new UserFavorited(cat, ann, "search"), t.plusSeconds(32)));
        history.add(event("Relationship", "pair3-" + run, 0, new UserShortlisted(cat, bob, personalData.sealAbout(cat, bob, "maybe")), t.plusSeconds(33)));
        history.add(event("Relationship", "pair4-" + run, 0, new UserExcluded(bob, cat, personalData.sealAbout(bob, cat, "spam")), t.plusSeconds(34)));
        for (String user : List.of(ann, bob, cat)) {
            history.add(event("ImageFavorite", "fav-" + user + run, 0, new ImageFavorited(user, imageId, "gallery"), t.plusSeconds(40)));
        }
        history.add(event("ImageFavorite", "fav-" + cat + run, 1, new ImageUnfavorited(cat, imageId), t.plusSeconds(41)));
        return new RealisticHistory(ann, bob, cat, imageId, stored, again, failed, t, List.copyOf(history));
    }

    public List<String> users() {
        return List.of(ann, bob, cat);
    }

    public List<String> downloads() {
        return List.of(stored, again, failed);
    }

    private static List<EventMessage<?>> completedDownload(String id, String user, String imageId, String url, Instant at) {
        return List.of(
                event("ImageDownload", id, 0, new ImageDownloadRequested(id, url, "f.png", List.of("cats"), user), at),
                event("ImageDownload", id, 1, new ImageFetchStarted(id, 1, 1, 0), at.plusSeconds(1)),
                event("ImageDownload", id, 2, new ImageFetchProgressed(id, 1, 500, 1000L), at.plusSeconds(2)),
                event("ImageDownload", id, 3, new ImageFetched(id, 1, 1000, "image/png", imageId), at.plusSeconds(3)),
                event("ImageDownload", id, 4, new ImageStored(id, imageId, imageId, 1000, "PNG", "image/png", 10, 10, url, "f.png",
                        List.of("cats"), user), at.plusSeconds(5)),
                event("ImageDownload", id, 5, new ImageDownloadCompleted(id, imageId), at.plusSeconds(6)));
    }

    public static EventMessage<?> event(String type, String aggregateId, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>(type, aggregateId, sequence, payload, Map.of(MetadataKeys.CORRELATION_ID, "c-" + aggregateId),
                UUID.randomUUID().toString(), at);
    }
}
