package io.picflow.command.downloads;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Each user's recent requests, for a per-user rate, counted in PostgreSQL ({@code download_request_count}) so
 * that it holds across command nodes: a user whose requests alternate between two nodes gets the limit once, not
 * twice.
 *
 * <p>A window is 13 slots of 5 s: the current one and the 12 before it. A request therefore counts for 60 to 65 s,
 * never less than the window, so no 60 s span ever holds more than the limit; the price is that room comes back up
 * to 5 s late. A user costs a small row per 5 s slot with requests, whatever their limit (an exact window would keep
 * every request's time); rows older than the window are deleted hourly.
 *
 * <p>{@link #tryAcquire} must run in the request's transaction: under a transaction-scoped advisory lock on the user
 * (so one user's concurrent requests on several nodes are counted one after the other), it counts the request and
 * sums the window. A request over the limit throws, and the rollback takes its count back out.
 */
final class RequestWindows {

    static final Duration SLOT = Duration.ofSeconds(5);
    private static final int SLOTS = 13;

    private final JdbcClient jdbc;
    private final int maxPerWindow;
    private final Clock clock;

    RequestWindows(JdbcClient jdbc, int maxPerWindow, Clock clock) {
        this.jdbc = jdbc;
        this.maxPerWindow = maxPerWindow;
        this.clock = clock;
    }

    /**
     * Counts a request of {@code userId} now. If that puts the window over the limit, returns how long until its
     * oldest slot leaves it: the caller must then fail the transaction, which takes the count back.
     */
    Optional<Duration> tryAcquire(String userId) {
        long now = clock.millis();
        long slot = now / SLOT.toMillis();
        // One user's requests are counted one at a time across nodes, also across a slot boundary (the slot row's
        // lock alone would let two requests on either side of it miss each other).
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('download-requests:' || :user))").param("user", userId).query().singleRow();
        jdbc.sql("INSERT INTO download_request_count (user_id, slot, requests) VALUES (:user, :slot, 1) "
                        + "ON CONFLICT (user_id, slot) DO UPDATE SET requests = download_request_count.requests + 1")
                .param("user", userId).param("slot", slot).update();
        Window window = jdbc.sql("SELECT coalesce(sum(requests), 0), min(slot) FROM download_request_count "
                        + "WHERE user_id = :user AND slot > :oldest")
                .param("user", userId).param("oldest", slot - SLOTS)
                .query((row, i) -> new Window(row.getLong(1), row.getLong(2))).single();
        if (window.requests() <= maxPerWindow) {
            return Optional.empty();
        }
        long oldestLeavesAt = (window.oldestSlot() + SLOTS) * SLOT.toMillis();
        return Optional.of(Duration.ofMillis(Math.max(SLOT.toMillis(), oldestLeavesAt - now)));
    }

    /** Deletes the slots that no window counts any more; returns how many. */
    int deleteExpired() {
        long slot = clock.millis() / SLOT.toMillis();
        return jdbc.sql("DELETE FROM download_request_count WHERE slot <= :oldest").param("oldest", slot - SLOTS).update();
    }

    private record Window(long requests, long oldestSlot) {
    }
}
