package io.picflow.query.rebuild;

import io.picflow.platform.wakeups.WakeUpListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rebuilds of every query node, in {@code projection_rebuild}: the node that runs a rebuild records its progress
 * there (at most every second, and at once when its phase or state changes) and tells the other query nodes with a
 * NOTIFY. Any node can then answer for it ({@code GET}, the list, {@code /ws/admin}), cancel it (a flag the running
 * node reads with its next record), and stop its own live processor while the rebuild hands over
 * ({@link RebuildHandOvers}).
 */
@Component
class RebuildRecords {

    static final String CHANNEL = "picflow_rebuilds";
    /** A running rebuild whose record is older than this has lost its node: the others stop waiting for it. */
    static final Duration STALE_AFTER = Duration.ofSeconds(30);
    private static final Duration RECORD_INTERVAL = Duration.ofSeconds(1);
    private static final int FINISHED_KEPT = 100;
    private static final Logger log = LoggerFactory.getLogger(RebuildRecords.class);

    /** A rebuild as recorded: who runs it, and what it last reported. */
    record Recorded(String rebuildId, String projection, String node, RebuildProgress progress, boolean cancelRequested,
            boolean stale) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final String node;
    /** When each running rebuild of this node was last recorded, and in which phase. */
    private final Map<String, Last> last = new ConcurrentHashMap<>();

    private record Last(long atNanos, String phase, ProjectionRebuild.State state) {
    }

    RebuildRecords(JdbcClient jdbc, JsonMapper json, WakeUpListener wakeUps) {
        this.jdbc = jdbc;
        this.json = json;
        this.node = wakeUps.origin();
    }

    String node() {
        return node;
    }

    /**
     * Records a rebuild of this node unless it was recorded less than a second ago in the same phase and state.
     * Returns whether an admin asked, on any node, to cancel it. A database that cannot be reached is logged, and
     * the rebuild goes on.
     */
    boolean record(RebuildProgress progress) {
        long now = System.nanoTime();
        Last previous = last.get(progress.rebuildId());
        boolean changed = previous == null || !previous.phase().equals(progress.phase()) || previous.state() != progress.state();
        if (!changed && now - previous.atNanos() < RECORD_INTERVAL.toNanos()) {
            return false;
        }
        try {
            boolean cancel = jdbc.sql("INSERT INTO projection_rebuild (rebuild_id, projection, node, state, phase, progress, updated_at) "
                            + "VALUES (:id, :projection, :node, :state, :phase, :progress, now()) "
                            + "ON CONFLICT (rebuild_id) DO UPDATE SET state = EXCLUDED.state, phase = EXCLUDED.phase, "
                            + "progress = EXCLUDED.progress, updated_at = now() RETURNING cancel_requested")
                    .param("id", progress.rebuildId()).param("projection", progress.projection()).param("node", node)
                    .param("state", progress.state().name()).param("phase", progress.phase())
                    .param("progress", json.writeValueAsString(progress))
                    .query(Boolean.class).single();
            jdbc.sql("SELECT pg_notify(:channel, :origin)").param("channel", CHANNEL).param("origin", node).query(String.class).list();
            if (progress.state() == ProjectionRebuild.State.RUNNING) {
                last.put(progress.rebuildId(), new Last(now, progress.phase(), progress.state()));
            } else {
                last.remove(progress.rebuildId());
                forgetOldFinished();
            }
            return cancel;
        } catch (RuntimeException e) {
            log.warn("Could not record the progress of rebuild {}: {}", progress.rebuildId(), e.toString());
            return false;
        }
    }

    /** Marks a running rebuild of this node as alive, between its progress records. */
    void keepFresh(String rebuildId) {
        try {
            jdbc.sql("UPDATE projection_rebuild SET updated_at = now() WHERE rebuild_id = :id AND node = :node AND state = 'RUNNING'")
                    .param("id", rebuildId).param("node", node).update();
        } catch (RuntimeException e) {
            log.warn("Could not keep the record of rebuild {} fresh: {}", rebuildId, e.toString());
        }
    }

    Optional<Recorded> find(String projection, String rebuildId) {
        return jdbc.sql(SELECT + "WHERE rebuild_id = :id AND projection = :projection")
                .param("id", rebuildId).param("projection", projection).param("stale", seconds())
                .query((row, i) -> read(row)).optional();
    }

    /** The running rebuilds and the last finished ones, newest first. */
    List<Recorded> recent() {
        return jdbc.sql(SELECT + "ORDER BY updated_at DESC LIMIT :limit").param("limit", FINISHED_KEPT + 20)
                .param("stale", seconds()).query((row, i) -> read(row)).list();
    }

    /** The rebuilds of other nodes that are handing over now (their node alive). */
    List<Recorded> handingOverElsewhere() {
        return jdbc.sql(SELECT + "WHERE state = 'RUNNING' AND phase = 'HANDING_OVER' AND node <> :node "
                        + "AND updated_at > now() - make_interval(secs => :stale)")
                .param("node", node).param("stale", seconds()).query((row, i) -> read(row)).list();
    }

    /** The rebuilds of other nodes recorded since {@code sinceMillis} (database time), for this node's admin stream. */
    List<Recorded> changedElsewhereSince(long sinceMillis) {
        return jdbc.sql(SELECT + "WHERE node <> :node AND updated_at > to_timestamp(:since / 1000.0) ORDER BY updated_at")
                .param("node", node).param("since", sinceMillis).param("stale", seconds()).query((row, i) -> read(row)).list();
    }

    long databaseNowMillis() {
        return jdbc.sql("SELECT (extract(epoch FROM now()) * 1000)::bigint").query(Long.class).single();
    }

    /** Asks the node running the rebuild to cancel it; false if it is not running (any more). */
    boolean requestCancel(String rebuildId) {
        int updated = jdbc.sql("UPDATE projection_rebuild SET cancel_requested = true WHERE rebuild_id = :id AND state = 'RUNNING'")
                .param("id", rebuildId).update();
        jdbc.sql("SELECT pg_notify(:channel, :origin)").param("channel", CHANNEL).param("origin", node).query(String.class).list();
        return updated > 0;
    }

    private void forgetOldFinished() {
        // A running rebuild whose node stopped counts as finished: it never will.
        String finished = "(state <> 'RUNNING' OR updated_at < now() - make_interval(secs => :stale))";
        jdbc.sql("DELETE FROM projection_rebuild WHERE " + finished + " AND rebuild_id NOT IN "
                + "(SELECT rebuild_id FROM projection_rebuild WHERE " + finished + " ORDER BY updated_at DESC LIMIT :kept)")
                .param("kept", FINISHED_KEPT).param("stale", seconds()).update();
    }

    private static final String SELECT = "SELECT rebuild_id, projection, node, progress, cancel_requested, "
            + "(state = 'RUNNING' AND updated_at < now() - make_interval(secs => :stale)) AS stale FROM projection_rebuild ";

    private Recorded read(java.sql.ResultSet row) throws java.sql.SQLException {
        RebuildProgress progress = json.readValue(row.getString(4), RebuildProgress.class);
        boolean stale = row.getBoolean(6);
        if (stale) {
            // Its node stopped (a running rebuild is recorded every second): it will never finish.
            progress = new RebuildProgress(progress.type(), progress.rebuildId(), progress.projection(), ProjectionRebuild.State.FAILED,
                    "DONE", progress.eventsProcessed(), progress.position(), progress.head(), progress.eventsPerSecond(), 0L,
                    progress.startedAt(), progress.finishedAt(), "the node running the rebuild stopped reporting (it stopped?)");
        }
        return new Recorded(row.getString(1), row.getString(2), row.getString(3), progress, row.getBoolean(5), stale);
    }

    private static double seconds() {
        return STALE_AFTER.toMillis() / 1000.0;
    }
}
