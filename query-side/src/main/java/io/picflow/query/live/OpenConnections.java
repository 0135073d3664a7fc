package io.picflow.query.live;

import io.picflow.platform.wakeups.WakeUpListener;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each user's open {@code /ws} connections, counted in PostgreSQL ({@code ws_connection}) so that
 * {@code picflow.live.max-connections-per-user} holds across query nodes: a user cannot open the limit on each node.
 *
 * <p>A connection is a row from its handshake to its close. A node with connections beats in {@code live_node} every
 * {@link #BEAT} and, at the same time, deletes the rows of nodes whose beat is {@link #DEAD_AFTER} old (they died
 * without closing theirs); such rows do not count meanwhile. A node without connections writes nothing.
 */
@Component
class OpenConnections implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);
    private static final Duration BEAT = Duration.ofSeconds(10);
    private static final Duration DEAD_AFTER = Duration.ofSeconds(60);

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final String node;
    private final int maxPerUser;
    /** This node's open connections, id to user: what its rows must be (each beat puts them right). */
    private final java.util.Map<String, String> mine = new java.util.concurrent.ConcurrentHashMap<>();
    /** A close whose row could not be deleted: the next beat deletes it. */
    private volatile boolean strayRows;
    private volatile long lastBeat = System.nanoTime() - BEAT.toNanos();
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "live-node-beat");
        thread.setDaemon(true);
        return thread;
    });

    OpenConnections(JdbcClient jdbc, PlatformTransactionManager transactions, WakeUpListener wakeUps, LiveProperties properties) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.node = wakeUps.origin();
        this.maxPerUser = properties.maxConnectionsPerUser();
        beats.scheduleWithFixedDelay(this::beatSafely, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Opens a connection of {@code userId} if the user has fewer than the limit open on all nodes; returns its id, or
     * null at the limit. The user's count and insert are serialised across nodes by a transaction-scoped advisory
     * lock on the user.
     */
    String tryOpen(String userId) {
        String id = UUID.randomUUID().toString();
        Boolean opened = transaction.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('ws-connections:' || :user))").param("user", userId).query().singleRow();
            long count = jdbc.sql("SELECT count(*) FROM ws_connection c JOIN live_node n ON n.node = c.node "
                            + "WHERE c.user_id = :user AND n.beat_at > now() - make_interval(secs => :dead)")
                    .param("user", userId).param("dead", DEAD_AFTER.toSeconds()).query(Long.class).single();
            if (count >= maxPerUser) {
                return false;
            }
            if (System.nanoTime() - lastBeat > BEAT.toNanos() / 2) {
                beat(); // the node's row, for the count above on other nodes (not on every open: it is one hot row)
            }
            jdbc.sql("INSERT INTO ws_connection (connection_id, node, user_id, opened_at) VALUES (:id, :node, :user, now())")
                    .param("id", id).param("node", node).param("user", userId).update();
            return true;
        });
        if (Boolean.TRUE.equals(opened)) {
            mine.put(id, userId);
            return id;
        }
        return null;
    }

    void closed(String connectionId) {
        if (mine.remove(connectionId) == null) {
            return;
        }
        try {
            jdbc.sql("DELETE FROM ws_connection WHERE connection_id = :id").param("id", connectionId).update();
        } catch (RuntimeException e) {
            strayRows = true; // the next beat deletes it
            log.warn("Could not record a closed WebSocket connection: {}", e.toString());
        }
    }

    /** Every {@link #BEAT}: this node's beat, and the rows of nodes that died go (package-private for the tests). */
    void beatSafely() {
        try {
            if (!mine.isEmpty() || strayRows) {
                beat();
                // This node's rows are what it has open: a close whose delete failed goes, and rows that other nodes
                // deleted while this one could not beat (a long pause, an outage) come back.
                String[] ids = mine.keySet().toArray(String[]::new);
                String[] users = java.util.Arrays.stream(ids).map(id -> mine.getOrDefault(id, "")).toArray(String[]::new);
                jdbc.sql("DELETE FROM ws_connection WHERE node = :node AND NOT (connection_id = ANY(:ids))")
                        .param("node", node).param("ids", ids).update();
                jdbc.sql("INSERT INTO ws_connection (connection_id, node, user_id, opened_at) "
                                + "SELECT id, :node, user_id, now() FROM unnest(CAST(:ids AS text[]), CAST(:users AS text[])) AS c(id, user_id) "
                                + "ON CONFLICT (connection_id) DO NOTHING")
                        .param("node", node).param("ids", ids).param("users", users).update();
                strayRows = false;
                jdbc.sql("DELETE FROM ws_connection WHERE node IN (SELECT node FROM live_node "
                        + "WHERE beat_at < now() - make_interval(secs => :dead))").param("dead", DEAD_AFTER.toSeconds()).update();
                jdbc.sql("DELETE FROM live_node WHERE beat_at < now() - make_interval(secs => :dead)")
                        .param("dead", DEAD_AFTER.toSeconds()).update();
            }
        } catch (RuntimeException e) {
            log.warn("Could not beat for this node's WebSocket connections: {}", e.toString());
        }
    }

    private void beat() {
        lastBeat = System.nanoTime();
        jdbc.sql("INSERT INTO live_node (node, beat_at) VALUES (:node, now()) ON CONFLICT (node) DO UPDATE SET beat_at = now()")
                .param("node", node).update();
    }

    /** On a clean stop this node's rows go at once (its connections close with it). */
    /** No more beats, as if the node had died (tests); {@link #destroy} also removes its rows. */
    void stopBeating() {
        beats.shutdownNow();
    }

    @Override
    public void destroy() {
        stopBeating();
        try {
            jdbc.sql("DELETE FROM ws_connection WHERE node = :node").param("node", node).update();
            jdbc.sql("DELETE FROM live_node WHERE node = :node").param("node", node).update();
        } catch (RuntimeException e) {
            log.warn("Could not remove this node's WebSocket connections: {}", e.toString());
        }
    }
}
