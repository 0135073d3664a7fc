package io.picflow.command.outbound;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a delivery that failed for now is tried again: exponential backoff ({@code first} doubled per attempt, at most
 * {@code max}) with full jitter between half and all of it, so that deliveries that failed together do not come back
 * together; a provider's {@code Retry-After} is honoured when it asks for longer (up to {@code max}). A delivery
 * older than {@code giveUpAfter} fails for good.
 */
public record RetrySchedule(Duration first, Duration max, Duration giveUpAfter) {

    public RetrySchedule {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("retry delays: first " + first + " must be positive and at most max " + max);
        }
    }

    Duration delayBefore(int nextAttempt, Duration retryAfter) {
        int doublings = Math.min(Math.max(nextAttempt - 2, 0), 30);
        long ceiling = Math.min(max.toMillis(), first.toMillis() << Math.min(doublings, 20));
        long jittered = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        long wanted = retryAfter == null ? 0 : Math.min(retryAfter.toMillis(), max.toMillis());
        return Duration.ofMillis(Math.max(jittered, wanted));
    }
}
