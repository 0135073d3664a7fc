package io.picflow.command.downloads.fetch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Fetches held while their host's circuit breaker is open ({@link HostBreakers}). Each is handed back to
 * {@code wake} after its delay, or as soon as its host's breaker closes, whichever comes first; then it queues for a
 * slot again and asks the breaker again. Held in memory like a fetch queued for a slot: the worker still has it
 * (its heartbeat says queued, so the watchdog leaves it alone), and a pause or cancel withdraws it.
 */
final class HostWaits {

    private static final class Held {
        private final FetchJob job;
        private final String host;
        private volatile ScheduledFuture<?> timer;

        Held(FetchJob job, String host) {
            this.job = job;
            this.host = host;
        }

        void cancelTimer() {
            ScheduledFuture<?> current = timer;
            if (current != null) {
                current.cancel(false);
            }
        }
    }

    private final ScheduledExecutorService timer;
    private final Consumer<FetchJob> wake;
    /** By download: a download has at most one fetch under way. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();

    HostWaits(ScheduledExecutorService timer, Consumer<FetchJob> wake) {
        this.timer = timer;
        this.wake = wake;
    }

    /** Holds the fetch for {@code delay}, replacing a hold of the same download. */
    void hold(FetchJob job, String host, Duration delay) {
        // In the map before the timer exists: a timer that fires at once must find it.
        Held entry = new Held(job, host);
        Held previous = held.put(job.downloadId(), entry);
        if (previous != null) {
            previous.cancelTimer();
        }
        try {
            entry.timer = timer.schedule(() -> wakeUp(job.downloadId(), entry), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            held.remove(job.downloadId(), entry); // the worker is shutting down: its fetches are taken over elsewhere
        }
    }

    /** Wakes every fetch held for the host now (its breaker closed). */
    void release(String host) {
        // On the timer's thread: the caller may be inside the breaker's transition, and waking takes the scheduler's lock.
        try {
            timer.execute(() -> held.forEach((downloadId, entry) -> {
                if (entry.host.equals(host)) {
                    entry.cancelTimer();
                    wakeUp(downloadId, entry);
                }
            }));
        } catch (RejectedExecutionException stopping) {
            // the worker is shutting down
        }
    }

    /** Drops the held fetch of the download; true if there was one. */
    boolean withdraw(String downloadId) {
        Held removed = held.remove(downloadId);
        if (removed != null) {
            removed.cancelTimer();
        }
        return removed != null;
    }

    int size() {
        return held.size();
    }

    private void wakeUp(String downloadId, Held entry) {
        if (held.remove(downloadId, entry)) {
            wake.accept(entry.job);
        }
    }
}
