package io.picflow.command.outbound;

import java.time.Duration;
import java.util.List;

/**
 * Whether a delivery may be tried now: the hook the circuit breakers plug into ({@link BreakerGate}). While every
 * breaker a delivery could go through is open, it is held ({@code PROVIDER_UNAVAILABLE}) until the first of them lets a
 * trial call through, and nothing is sent. The transports count their calls' outcomes into their breakers themselves
 * ({@link ProviderCalls}): only they know which failures are the provider's and which are about one message.
 */
public interface DeliveryGate {

    /** Always open: for tests of the engine alone. */
    DeliveryGate OPEN = new DeliveryGate() {
    };

    /** {@code breakers}: the delivery's, in the order its transport tries them. */
    default boolean permits(List<String> breakers) {
        return true;
    }

    /** How long to hold a delivery whose breakers are all open. */
    default Duration retryIn(List<String> breakers) {
        return Duration.ofSeconds(30);
    }
}
