package io.picflow.command.outbound;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.picflow.platform.resilience.Breakers;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One call of a transport to its provider, through the provider's circuit breaker: refused at once
 * ({@link DeliveryOutcome.ProviderUnavailable}) while the breaker is open, and otherwise counted into it. Only a
 * failure of the provider's own counts against it ({@code providerFailure}: by default every
 * {@link DeliveryOutcome.Transient}); a verdict about one message or one device (a refused address, an invalid token,
 * one device's 429) is a working provider's answer and counts as a success.
 */
public final class ProviderCalls {

    private ProviderCalls() {
    }

    public static DeliveryOutcome through(Breakers breakers, String breakerName, Supplier<DeliveryOutcome> call) {
        return through(breakers, breakerName, call, outcome -> outcome instanceof DeliveryOutcome.Transient);
    }

    public static DeliveryOutcome through(Breakers breakers, String breakerName, Supplier<DeliveryOutcome> call,
            Predicate<DeliveryOutcome> providerFailure) {
        CircuitBreaker breaker = breakers.get(breakerName);
        if (!breaker.tryAcquirePermission()) {
            return new DeliveryOutcome.ProviderUnavailable(breakerName, breakers.retryIn(breakerName));
        }
        long start = System.nanoTime();
        DeliveryOutcome outcome;
        try {
            outcome = call.get();
        } catch (RuntimeException | Error e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            throw e;
        }
        long took = System.nanoTime() - start;
        if (providerFailure.test(outcome)) {
            breaker.onError(took, TimeUnit.NANOSECONDS, new ProviderFailure(outcome));
        } else if (outcome instanceof DeliveryOutcome.ProviderUnavailable) {
            breaker.releasePermission();
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    /** What a breaker records for a failed call that threw nothing (its stack trace would say nothing). */
    static final class ProviderFailure extends RuntimeException {
        ProviderFailure(DeliveryOutcome outcome) {
            super(outcome.toString(), null, false, false);
        }
    }
}
