package io.picflow.command.outbound;

/**
 * Whether a target (a provider, an endpoint) may be tried now: the hook a circuit breaker plugs into. While a
 * target's gate is shut, its due deliveries are held ({@code PROVIDER_UNAVAILABLE}) until the gate says when to
 * look again, and nothing is sent to it. The engine reports every attempt's outcome, so that a breaker can count.
 */
public interface DeliveryGate {

    /** Always open: the engine's default, before any breaker exists. */
    DeliveryGate OPEN = new DeliveryGate() {
    };

    default boolean permits(String target) {
        return true;
    }

    /** How long to hold a delivery whose target's gate is shut. */
    default java.time.Duration retryIn(String target) {
        return java.time.Duration.ofSeconds(30);
    }

    default void succeeded(String target) {
    }

    default void failed(String target, DeliveryOutcome.Transient failure) {
    }
}
