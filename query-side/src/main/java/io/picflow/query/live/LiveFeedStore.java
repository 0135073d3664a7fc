package io.picflow.query.live;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.picflow.platform.privacy.ErasedUsers;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code live_feed} and {@code live_download} tables (V3__live_feed.sql; V12 indexes notification frames). */
@Repository
class LiveFeedStore {

    /** Serialises writers of the feed across nodes, so positions commit in increasing order. */
    private static final long WRITER_LOCK = 0x6c6976655f66L; // "live_f"

    private final JdbcClient jdbc;
    private final ErasedUsers erasedUsers;

    LiveFeedStore(JdbcClient jdbc, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.erasedUsers = erasedUsers;
    }

    /** A download's latest frame, the state its next event applies to. */
    record LiveDownload(String downloadId, String owner, long position, String frame) {
    }

    /** The current state of what a subscription follows, and the feed's head when it was read. */
    record Snapshot(long head, List<FeedEntry> downloads) {
    }

    /** Makes the caller's transaction the only writer of the feed until it ends (re-entrant, cheap when held). */
    void lockWriter() {
        jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", WRITER_LOCK).query().singleRow();
    }

    /**
     * Appends a frame in the caller's transaction and returns its position, or empty if this event is
     * already in the feed (redelivery) or its owner is erased. Takes the writer lock if the caller has not.
     */
    Optional<Long> append(String eventId, String type, String downloadId, String owner, Instant occurredAt,
            boolean progress, String frame) {
        lockWriter();
        return jdbc.sql("INSERT INTO live_feed (event_id, event_type, download_id, owner, occurred_at, progress, frame) "
                        + "SELECT :eventId, :type, :downloadId, :owner, :occurredAt, :progress, :frame WHERE " + erasedUsers.notErased("owner")
                        + " ON CONFLICT (event_id) DO NOTHING RETURNING position")
                .param("eventId", eventId)
                .param("type", type)
                .param("downloadId", downloadId)
                .param("owner", owner)
                .param("occurredAt", OffsetDateTime.ofInstant(occurredAt, ZoneOffset.UTC))
                .param("progress", progress)
                .param("frame", frame)
                .query(Long.class).optional();
    }

    /** Deletes every frame and current state of downloads the user owns, in the writer's transaction. */
    void erase(String owner) {
        lockWriter();
        jdbc.sql("DELETE FROM live_feed WHERE owner = :owner").param("owner", owner).update();
        jdbc.sql("DELETE FROM live_download WHERE owner = :owner").param("owner", owner).update();
    }

    /**
     * The {@code Notification} frames that name {@code userId} as their actor or user subject, in the writer's
     * transaction (V12's indexes find them).
     */
    List<FeedEntry> notificationsNaming(String userId) {
        lockWriter();
        // The type inline, not a parameter: it is the partial indexes' condition, which a generic plan could not match.
        return jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM live_feed WHERE event_type = '" + NotificationFrames.CREATED + "' "
                        + "AND ((frame::jsonb #>> '{actor,userId}') = :user OR (frame::jsonb #>> '{subject,id}') = :user) ORDER BY position")
                .param("user", userId)
                .query(LiveFeedStore::entry)
                .list();
    }

    /** Replaces the frame at {@code position} (same event, same place), in the writer's transaction. */
    void replaceFrame(long position, String frame) {
        lockWriter();
        jdbc.sql("UPDATE live_feed SET frame = :frame WHERE position = :position").param("frame", frame).param("position", position).update();
    }

    Optional<LiveDownload> download(String downloadId) {
        return jdbc.sql("SELECT download_id, owner, position, frame FROM live_download WHERE download_id = :id")
                .param("id", downloadId)
                .query((rs, row) -> new LiveDownload(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)))
                .optional();
    }

    void saveDownload(LiveDownload download) {
        jdbc.sql("INSERT INTO live_download (download_id, owner, position, frame) VALUES (:id, :owner, :position, :frame) "
                        + "ON CONFLICT (download_id) DO UPDATE SET position = excluded.position, frame = excluded.frame "
                        + "WHERE live_download.position < excluded.position")
                .param("id", download.downloadId())
                .param("owner", download.owner())
                .param("position", download.position())
                .param("frame", download.frame())
                .update();
    }

    /** Forgets a download's current state (its frames stay until the feed's retention removes them). */
    void forgetDownload(String downloadId) {
        jdbc.sql("DELETE FROM live_download WHERE download_id = :id").param("id", downloadId).update();
    }

    /**
     * The highest position committed so far: the last frame's, or, if retention removed every frame, the last
     * removed one's (0 for a feed that never had any).
     */
    long head() {
        return jdbc.sql("SELECT " + HEAD).query(Long.class).single();
    }

    /** The highest position retention removed (0 if none): frames up to it are gone, those after it are all kept. */
    long removedThrough() {
        return jdbc.sql("SELECT removed_through FROM live_feed_horizon").query(Long.class).single();
    }

    /** What one step of the retention removed. */
    record Removed(int frames, int downloads) {
    }

    /**
     * Removes, in the caller's transaction, the oldest frames written before {@code cutoff}, at most {@code batch}
     * of them and always a prefix of the positions, so that one number (the horizon) says what is gone; with them
     * the current state of completed and cancelled downloads whose last frame they were. Paused and failed
     * downloads keep theirs: they may still move on, and are removed when they expire.
     */
    Removed removeOldest(Instant cutoff, int batch) {
        Long upTo = jdbc.sql("SELECT max(position) FROM (SELECT position, fed_at FROM live_feed ORDER BY position LIMIT :batch) oldest "
                        + "WHERE fed_at < :cutoff")
                .param("batch", batch)
                .param("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
                .query(Long.class).optional().orElse(null);
        if (upTo == null) {
            return new Removed(0, 0);
        }
        int frames = jdbc.sql("DELETE FROM live_feed WHERE position <= :upTo").param("upTo", upTo).update();
        jdbc.sql("UPDATE live_feed_horizon SET removed_through = greatest(removed_through, :upTo)").param("upTo", upTo).update();
        int downloads = jdbc.sql("DELETE FROM live_download WHERE position <= :upTo "
                        + "AND (frame::jsonb ->> 'status') IN ('COMPLETED', 'CANCELLED')")
                .param("upTo", upTo).update();
        return new Removed(frames, downloads);
    }

    /** Every frame after {@code position}, in order, at most {@code limit}: what the tailer delivers. */
    List<FeedEntry> after(long position, int limit) {
        return jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM live_feed WHERE position > :after ORDER BY position LIMIT :limit")
                .param("after", position)
                .param("limit", limit)
                .query(LiveFeedStore::entry)
                .list();
    }

    /** The frames a subscription missed in (after, upTo], in order, at most {@code limit}. */
    List<FeedEntry> history(Subscription subscription, long after, long upTo, int limit) {
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM live_feed "
                        + "WHERE position > :after AND position <= :upTo" + filter(subscription)
                        + " ORDER BY position LIMIT :limit")
                .param("after", after)
                .param("upTo", upTo)
                .param("limit", limit);
        return bindFilter(statement, subscription).query(LiveFeedStore::entry).list();
    }

    /**
     * The latest frame of each download the subscription follows (the {@code limit} most recently
     * changed) and the feed's head, read in one statement so that both come from one snapshot: every
     * frame a subscriber gets afterwards has a higher position than the state it was shown.
     */
    Snapshot snapshot(Subscription subscription, int limit) {
        String where = (subscription.downloadId() == null ? "" : " AND d.download_id = :downloadId")
                + (subscription.owner() == null ? "" : " AND d.owner = :owner");
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT h.head, d.download_id, d.owner, d.position, d.frame "
                        + "FROM (SELECT " + HEAD + " AS head) h "
                        + "LEFT JOIN LATERAL (SELECT d.* FROM live_download d WHERE true" + where
                        + " ORDER BY d.position DESC LIMIT :limit) d ON true")
                .param("limit", limit);
        bindFilter(statement, subscription);
        List<FeedEntry> downloads = new ArrayList<>();
        long[] head = {0};
        statement.query(rs -> {
            head[0] = rs.getLong("head");
            if (rs.getString("download_id") != null) {
                downloads.add(new FeedEntry(rs.getLong("position"), "DownloadState", rs.getString("download_id"),
                        rs.getString("owner"), null, false, rs.getString("frame")));
            }
        });
        downloads.sort((a, b) -> Long.compare(a.position(), b.position()));
        return new Snapshot(head[0], downloads);
    }

    /** The head as an expression: never below the horizon, so that positions already sent are never reissued as a head. */
    private static final String HEAD = "greatest(coalesce((SELECT max(position) FROM live_feed), 0), "
            + "(SELECT removed_through FROM live_feed_horizon))";

    private static final String ENTRY_COLUMNS = "position, event_type, download_id, owner, occurred_at, progress, frame";

    /** The SQL of {@link Subscription#matches}. */
    private static String filter(Subscription subscription) {
        return (subscription.feed() == Subscription.Feed.NOTIFICATIONS
                        ? " AND download_id IS NULL AND event_type IN (:feedTypes)" : " AND download_id IS NOT NULL")
                + (subscription.downloadId() == null ? "" : " AND download_id = :downloadId")
                + (subscription.owner() == null ? "" : " AND owner = :owner")
                + (subscription.types() == null ? "" : " AND event_type IN (:types)");
    }

    private static JdbcClient.StatementSpec bindFilter(JdbcClient.StatementSpec statement, Subscription subscription) {
        if (subscription.feed() == Subscription.Feed.NOTIFICATIONS) {
            statement.param("feedTypes", List.copyOf(NotificationFrames.TYPES));
        }
        if (subscription.downloadId() != null) {
            statement.param("downloadId", subscription.downloadId());
        }
        if (subscription.owner() != null) {
            statement.param("owner", subscription.owner());
        }
        if (subscription.types() != null) {
            statement.param("types", List.copyOf(subscription.types()));
        }
        return statement;
    }

    private static FeedEntry entry(ResultSet rs, int row) throws SQLException {
        return new FeedEntry(rs.getLong("position"), rs.getString("event_type"), rs.getString("download_id"),
                rs.getString("owner"), rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                rs.getBoolean("progress"), rs.getString("frame"));
    }
}
