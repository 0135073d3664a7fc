package io.picflow.query.live;

import java.util.Set;

/**
 * What one WebSocket connection follows. The feed it reads from: downloads (every frame with a download id) or
 * notifications (a user's {@link NotificationFrames}); neither ever gets the other's frames. Each non-null part
 * narrows it: one download, one owner's frames (users always have this one set to themselves), some event types
 * (admins).
 */
record Subscription(String downloadId, String owner, Set<String> types, Feed feed) {

    /** The two feeds that share the live feed's positions. */
    enum Feed { DOWNLOADS, NOTIFICATIONS }

    /** A subscription to download frames. */
    Subscription(String downloadId, String owner, Set<String> types) {
        this(downloadId, owner, types, Feed.DOWNLOADS);
    }

    /** {@code /ws?scope=notifications}: the notification frames of {@code owner}, and nothing else. */
    static Subscription notificationsOf(String owner) {
        if (owner == null) {
            throw new IllegalArgumentException("A notifications subscription is always one user's");
        }
        return new Subscription(null, owner, null, Feed.NOTIFICATIONS);
    }

    /** What LiveFeedStore's catch-up SQL selects, too ({@code filter}). */
    boolean matches(FeedEntry entry) {
        return inFeed(entry)
                && (downloadId == null || downloadId.equals(entry.downloadId()))
                && (owner == null || owner.equals(entry.owner()))
                && (types == null || types.contains(entry.type()));
    }

    private boolean inFeed(FeedEntry entry) {
        return feed == Feed.NOTIFICATIONS
                ? entry.downloadId() == null && NotificationFrames.TYPES.contains(entry.type())
                : entry.downloadId() != null;
    }

    /**
     * Whether connecting without {@code after} sends the current state of downloads (not for a type stream, and not for
     * notifications, whose current state is the inbox: such a connection gets only {@code CaughtUp} before live frames).
     */
    boolean hasCurrentState() {
        return feed == Feed.DOWNLOADS && types == null;
    }
}
