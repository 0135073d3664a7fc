package io.picflow.command.downloads;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter, capped; honours a server's Retry-After up to the cap.
 * {@code maxAttempts} counts every attempt, the first included.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, DoubleSupplier random) {

    public static RetryPolicy withDefaults(DoubleSupplier random) {
        return new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofMinutes(5), random);
    }

    boolean allowsAnotherAttempt(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /** The delay before attempt {@code nextAttempt} (2, 3, ...). */
    Duration delayBefore(int nextAttempt, Duration retryAfter) {
        if (retryAfter != null && !retryAfter.isNegative()) {
            return retryAfter.compareTo(maxDelay) > 0 ? maxDelay : retryAfter;
        }
        // Full jitter: uniformly random in [0, min(cap, base * 2^(n-2))], see AWS "Exponential Backoff And Jitter".
        long exponent = Math.min(30, Math.max(0, nextAttempt - 2));
        long ceilingMillis = Math.min(maxDelay.toMillis(), baseDelay.toMillis() * (1L << exponent));
        return Duration.ofMillis((long) (random.getAsDouble() * ceilingMillis));
    }
}
