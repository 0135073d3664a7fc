package io.picflow.command.outbound;

import io.picflow.platform.resilience.Breakers;
import java.time.Duration;
import java.util.List;

/**
 * The engine's gate on the circuit breakers: a delivery is tried while at least one of its breakers is not open (or
 * its wait has run out); otherwise it is held until the first of them lets a trial call through (at least a second).
 * It only looks at the breakers' states: the trial calls themselves are taken by the transport's call.
 */
class BreakerGate implements DeliveryGate {

    private static final Duration AT_LEAST = Duration.ofSeconds(1);

    private final Breakers breakers;

    BreakerGate(Breakers breakers) {
        this.breakers = breakers;
    }

    @Override
    public boolean permits(List<String> names) {
        return names.isEmpty() || names.stream().anyMatch(breakers::permitsNow);
    }

    @Override
    public Duration retryIn(List<String> names) {
        Duration soonest = names.stream().map(breakers::retryIn).min(Duration::compareTo).orElse(Duration.ZERO);
        return soonest.compareTo(AT_LEAST) < 0 ? AT_LEAST : soonest;
    }
}
