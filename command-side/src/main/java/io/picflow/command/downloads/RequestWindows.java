package io.picflow.command.downloads;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Each user's recent requests, for a per-user rate (a sliding window). Bounded in memory: a user's window is
 * dropped one window length after their last request (it would be empty by then anyway), and at most
 * {@code maxUsers} windows are kept, the least recently used going first; a user dropped that way only gets a
 * fresh window early. A window is a ring of the user's request times within the window, grown as needed, so a
 * user costs 8 bytes per request in the last window (at most {@code 8 * maxPerWindow}).
 */
final class RequestWindows {

    private final int maxPerWindow;
    private final long windowMillis;
    private final Clock clock;
    private final Cache<String, Window> windows;

    RequestWindows(int maxPerWindow, Duration window, long maxUsers, Clock clock) {
        this.maxPerWindow = maxPerWindow;
        this.windowMillis = window.toMillis();
        this.clock = clock;
        this.windows = Caffeine.newBuilder()
                .expireAfterAccess(window)
                .maximumSize(maxUsers)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run) // evictions on the caller's thread: no pool, and tests see them at once
                .build();
    }

    /** Counts a request of {@code userId} now, or, if the window is full, returns how long until it has room. */
    Optional<Duration> tryAcquire(String userId) {
        long now = clock.millis();
        return windows.get(userId, user -> new Window(maxPerWindow)).tryAcquire(now, windowMillis);
    }

    /** How many users' windows are held (after dropping the expired ones). */
    long users() {
        windows.cleanUp();
        return windows.estimatedSize();
    }

    /**
     * A user's recent request times, oldest first, in a ring that grows as needed up to the limit: a generous
     * limit (say a million a minute) costs a user only what they actually sent.
     */
    private static final class Window {

        private static final int INITIAL_CAPACITY = 8;

        private final int limit;
        private long[] times;
        private int first;
        private int size;

        Window(int limit) {
            this.limit = limit;
            this.times = new long[Math.min(limit, INITIAL_CAPACITY)];
        }

        synchronized Optional<Duration> tryAcquire(long now, long windowMillis) {
            while (size > 0 && times[first] <= now - windowMillis) {
                first = (first + 1) % times.length;
                size--;
            }
            if (size == limit) {
                return Optional.of(Duration.ofMillis(times[first] + windowMillis - now));
            }
            if (size == times.length) {
                grow();
            }
            times[(first + size) % times.length] = now;
            size++;
            return Optional.empty();
        }

        private void grow() {
            long[] larger = new long[(int) Math.min(limit, 2L * times.length)];
            for (int i = 0; i < size; i++) {
                larger[i] = times[(first + i) % times.length];
            }
            times = larger;
            first = 0;
        }
    }
}
