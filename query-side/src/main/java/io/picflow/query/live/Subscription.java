package io.picflow.query.live;

import java.util.Set;

/**
 * What one WebSocket connection follows. Each non-null part narrows it: one download, one owner's
 * downloads (users always have this one set to themselves), some event types (admins).
 */
record Subscription(String downloadId, String owner, Set<String> types) {

    boolean matches(FeedEntry entry) {
        return (downloadId == null || downloadId.equals(entry.downloadId()))
                && (owner == null || owner.equals(entry.owner()))
                && (types == null || types.contains(entry.type()));
    }

    /** Whether connecting without {@code after} sends the current state of downloads (not for a type stream). */
    boolean hasCurrentState() {
        return types == null;
    }
}
