package io.picflow.command.downloads.fetch;

import java.util.function.LongSupplier;

/**
 * Decides which progress updates become events: at most one per 5 % step (when the size is known)
 * and at most one per second, so that a fast transfer does not flood the event store.
 */
final class ProgressThrottle {

    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;

    private final LongSupplier nanoClock;
    private long lastBytes = -1;
    private long lastNanos;
    private boolean reported;

    ProgressThrottle(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    boolean shouldReport(long bytes, Long total) {
        long now = nanoClock.getAsLong();
        if (reported && now - lastNanos < MIN_INTERVAL_NANOS) {
            return false;
        }
        if (total != null && total > 0 && reported) {
            long step = Math.max(1, total / 20);
            if (bytes / step <= lastBytes / step) {
                return false;
            }
        }
        reported = true;
        lastBytes = bytes;
        lastNanos = now;
        return true;
    }
}
