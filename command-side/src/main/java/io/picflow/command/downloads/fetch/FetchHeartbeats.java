package io.picflow.command.downloads.fetch;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The fetches this node is working on, published in {@code fetch_heartbeat} every few seconds. A watchdog
 * deadline may fire on any node (db-scheduler runs it wherever it is picked up); with the heartbeats, a
 * node that does not have the fetch itself can still see that another node does, and look again later
 * instead of presuming the fetch lost and wasting a retry on it.
 */
final class FetchHeartbeats {

    private static final Logger log = LoggerFactory.getLogger(FetchHeartbeats.class);

    private final JdbcClient jdbc;
    private final String node = UUID.randomUUID().toString();
    private final Duration staleAfter;

    FetchHeartbeats(JdbcClient jdbc, Duration staleAfter) {
        this.jdbc = jdbc;
        this.staleAfter = staleAfter;
    }

    String node() {
        return node;
    }

    /** Publishes this node's fetches (download id to fetch number) and withdraws the ones it finished. */
    void beat(Map<String, Integer> fetches) {
        try {
            fetches.forEach((downloadId, fetch) -> jdbc.sql("INSERT INTO fetch_heartbeat (download_id, fetch_number, node, beat_at) "
                            + "VALUES (:id, :fetch, :node, now()) ON CONFLICT (download_id) DO UPDATE "
                            + "SET fetch_number = EXCLUDED.fetch_number, node = EXCLUDED.node, beat_at = EXCLUDED.beat_at")
                    .param("id", downloadId).param("fetch", fetch).param("node", node).update());
            jdbc.sql("DELETE FROM fetch_heartbeat WHERE node = :node AND NOT (download_id = ANY(:ids))")
                    .param("node", node).param("ids", fetches.keySet().toArray(String[]::new)).update();
            // Nodes that stopped without withdrawing theirs.
            jdbc.sql("DELETE FROM fetch_heartbeat WHERE beat_at < now() - interval '1 day'").update();
        } catch (RuntimeException e) {
            log.warn("Could not publish this node's fetch heartbeats: {}", e.toString());
        }
    }

    /** Whether another node has published, recently enough, that it works on this fetch. */
    boolean aliveElsewhere(String downloadId, int fetch) {
        try {
            return jdbc.sql("SELECT count(*) FROM fetch_heartbeat WHERE download_id = :id AND fetch_number = :fetch AND node <> :node "
                            + "AND beat_at > now() - make_interval(secs => :stale)")
                    .param("id", downloadId).param("fetch", fetch).param("node", node).param("stale", (double) staleAfter.toMillis() / 1000)
                    .query(Long.class).single() > 0;
        } catch (RuntimeException e) {
            log.warn("Could not read the fetch heartbeats: {}", e.toString());
            return false;
        }
    }
}
