package io.picflow.command.downloads.fetch;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The fetches this node is working on, published in {@code fetch_heartbeat} every few seconds, in one statement
 * per beat whatever their number. Two uses:
 * <ul>
 *   <li>A watchdog deadline may fire on any node (db-scheduler runs it wherever it is picked up); with the
 *       heartbeats, a node that does not have the fetch can still see that another node does, whether it is
 *       queued or running and since when.</li>
 *   <li>A node that dies stops beating: once its rows are older than {@code heartbeat-stale-after}, any live node
 *       takes them ({@link #takeStale()}, a {@code DELETE ... RETURNING}, so each row goes to one node) and
 *       expires those fetches, which retries them, instead of leaving them to the watchdog's overall timeout.</li>
 * </ul>
 * A node whose rows were taken while it was alive (a pause longer than the stale limit) learns it at its next beat:
 * its row is inserted anew instead of updated. It stops those fetches: the download has moved on without it.
 */
final class FetchHeartbeats {

    private static final Logger log = LoggerFactory.getLogger(FetchHeartbeats.class);

    /** One fetch as this node publishes it; {@code runningSince} is null while it waits for a slot. */
    record Beat(String downloadId, int fetch, Instant runningSince) {
    }

    /** A fetch whose node stopped beating. */
    record StaleFetch(String downloadId, int fetch) {
    }

    /** A request, from whichever node handled a pause, cancel or watchdog, to stop the download's fetches up to a number. */
    record StopRequest(String downloadId, int upToFetch, boolean discard) {
    }

    /** A stop request that no node had the fetch for is dropped after this long (its fetch is gone anyway). */
    private static final Duration STOP_REQUEST_LIFETIME = Duration.ofMinutes(10);

    private final JdbcClient jdbc;
    private final String node = UUID.randomUUID().toString();
    private final Duration staleAfter;
    /** download id and fetch of what this node has published and still holds. */
    private final Set<String> published = new HashSet<>();

    FetchHeartbeats(JdbcClient jdbc, Duration staleAfter) {
        this.jdbc = jdbc;
        this.staleAfter = staleAfter;
    }

    String node() {
        return node;
    }

    /**
     * Publishes this node's fetches and withdraws the ones it finished. Returns the fetches this node had
     * published before whose rows another node took meanwhile (see the class comment): the caller stops them.
     */
    synchronized List<StaleFetch> beat(List<Beat> fetches) {
        if (fetches.isEmpty() && published.isEmpty()) {
            return List.of(); // nothing to publish and nothing of ours to withdraw: an idle node writes nothing
        }
        try {
            List<StaleFetch> takenFromMe = new ArrayList<>();
            Set<String> now = new HashSet<>();
            if (!fetches.isEmpty()) {
                String[] ids = fetches.stream().map(Beat::downloadId).toArray(String[]::new);
                Integer[] numbers = fetches.stream().map(Beat::fetch).toArray(Integer[]::new);
                Long[] since = fetches.stream().map(beat -> beat.runningSince() == null ? null
                        : beat.runningSince().toEpochMilli()).toArray(Long[]::new);
                jdbc.sql("INSERT INTO fetch_heartbeat (download_id, fetch_number, node, beat_at, running_since) "
                                + "SELECT id, fetch_no, :node, now(), to_timestamp(since / 1000.0) "
                                + "FROM unnest(CAST(:ids AS text[]), CAST(:fetches AS int[]), CAST(:since AS bigint[])) AS beat(id, fetch_no, since) "
                                + "ON CONFLICT (download_id) DO UPDATE SET fetch_number = EXCLUDED.fetch_number, node = EXCLUDED.node, "
                                + "beat_at = EXCLUDED.beat_at, running_since = EXCLUDED.running_since "
                                // A later fetch of the download holds the row, or the same fetch on another node (a batch
                                // of the process manager that was processed twice): this node's fetch yields (below).
                                + "WHERE fetch_heartbeat.fetch_number < EXCLUDED.fetch_number OR fetch_heartbeat.node = EXCLUDED.node "
                                + "RETURNING download_id, fetch_number, (xmax = 0) AS inserted")
                        .param("node", node).param("ids", ids).param("fetches", numbers).param("since", since)
                        .query((row, i) -> {
                            String key = key(row.getString(1), row.getInt(2));
                            now.add(key);
                            if (row.getBoolean(3) && published.contains(key)) {
                                takenFromMe.add(new StaleFetch(row.getString(1), row.getInt(2)));
                            }
                            return key;
                        }).list();
            }
            // Not returned: a later fetch of the download (another node's, after a retry), or the same fetch on a node
            // that beat first, holds its row. A fetch runs on one node at a time: this node stops its own.
            for (Beat fetch : fetches) {
                if (!now.contains(key(fetch.downloadId(), fetch.fetch()))) {
                    takenFromMe.add(new StaleFetch(fetch.downloadId(), fetch.fetch()));
                }
            }
            jdbc.sql("DELETE FROM fetch_heartbeat WHERE node = :node AND NOT (download_id = ANY(:ids))")
                    .param("node", node).param("ids", fetches.stream().map(Beat::downloadId).toArray(String[]::new)).update();
            takenFromMe.forEach(taken -> {
                jdbc.sql("DELETE FROM fetch_heartbeat WHERE download_id = :id AND node = :node")
                        .param("id", taken.downloadId()).param("node", node).update();
                now.remove(key(taken.downloadId(), taken.fetch()));
            });
            published.clear();
            published.addAll(now);
            return takenFromMe;
        } catch (RuntimeException e) {
            log.warn("Could not publish this node's fetch heartbeats: {}", e.toString());
            return List.of();
        }
    }

    /**
     * Asks the node that has the download's fetch (up to number {@code upToFetch}) to stop it. Runs in the caller's
     * transaction. A later request for the same download widens an earlier one.
     */
    void requestStop(String downloadId, int upToFetch, boolean discard) {
        jdbc.sql("INSERT INTO fetch_stop (download_id, up_to_fetch, discard, requested_at) VALUES (:id, :fetch, :discard, now()) "
                        + "ON CONFLICT (download_id) DO UPDATE SET up_to_fetch = greatest(fetch_stop.up_to_fetch, EXCLUDED.up_to_fetch), "
                        + "discard = fetch_stop.discard OR EXCLUDED.discard, requested_at = now()")
                .param("id", downloadId).param("fetch", upToFetch).param("discard", discard).update();
    }

    /** The stop requests for any of these downloads (the ones this node has fetches of). One read. */
    List<StopRequest> stopsFor(Collection<String> downloadIds) {
        return jdbc.sql("SELECT download_id, up_to_fetch, discard FROM fetch_stop WHERE download_id = ANY(:ids)")
                .param("ids", downloadIds.toArray(String[]::new))
                .query((row, i) -> new StopRequest(row.getString(1), row.getInt(2), row.getBoolean(3))).list();
    }

    /** Removes the rows of nodes that stopped beating and returns their fetches, each to one caller only. */
    List<StaleFetch> takeStale() {
        try {
            // One statement: it runs at every beat of every node, busy or idle. The CTE also drops the stop requests
            // for fetches that no node had (they ended before it looked): nobody else would clear them.
            return jdbc.sql("WITH unclaimed_stops AS (DELETE FROM fetch_stop WHERE requested_at < now() - make_interval(secs => :lifetime)) "
                            + "DELETE FROM fetch_heartbeat WHERE beat_at < now() - make_interval(secs => :stale) "
                            + "RETURNING download_id, fetch_number")
                    .param("stale", seconds(staleAfter)).param("lifetime", seconds(STOP_REQUEST_LIFETIME))
                    .query((row, i) -> new StaleFetch(row.getString(1), row.getInt(2))).list();
        } catch (RuntimeException e) {
            log.warn("Could not look for the fetches of stopped nodes: {}", e.toString());
            return List.of();
        }
    }

    /** What another node has published, recently enough, about this fetch. */
    FetchState stateElsewhere(String downloadId, int fetch) {
        try {
            return jdbc.sql("SELECT running_since FROM fetch_heartbeat WHERE download_id = :id AND fetch_number = :fetch "
                            + "AND node <> :node AND beat_at > now() - make_interval(secs => :stale)")
                    .param("id", downloadId).param("fetch", fetch).param("node", node).param("stale", seconds(staleAfter))
                    .query((row, i) -> {
                        Timestamp since = row.getTimestamp(1);
                        return FetchState.alive(since == null ? null : since.toInstant());
                    }).optional().orElse(FetchState.LOST);
        } catch (RuntimeException e) {
            log.warn("Could not read the fetch heartbeats: {}", e.toString());
            return FetchState.LOST;
        }
    }

    private static String key(String downloadId, int fetch) {
        return downloadId + "#" + fetch;
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
