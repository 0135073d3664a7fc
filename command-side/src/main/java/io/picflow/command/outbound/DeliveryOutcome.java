package io.picflow.command.outbound;

import java.time.Duration;

/** How one attempt to deliver ended, as its transport saw it. */
public sealed interface DeliveryOutcome {

    /** The provider accepted it. {@code providerId} is its name for it, if it gave one. */
    record Sent(String providerId, Integer statusCode, String detail) implements DeliveryOutcome {
    }

    /**
     * It may work later (a refused connection, a timeout, a 4xx SMTP reply, an HTTP 429 or 5xx). {@code retryAfter}:
     * the provider's own wish, if it said one; the schedule's delay is used otherwise.
     */
    record Transient(String code, String message, Integer statusCode, Duration retryAfter) implements DeliveryOutcome {
    }

    /**
     * Not tried: the provider's circuit breaker is open (every provider of the delivery's, when it has a fallback). The
     * delivery is held ({@code PROVIDER_UNAVAILABLE}) for {@code retryIn}, and this does not count as an attempt.
     */
    record ProviderUnavailable(String provider, Duration retryIn) implements DeliveryOutcome {
    }

    /** It never will (a 5xx SMTP reply, a refused address, a payload the provider rejects). */
    record Permanent(String code, String message, Integer statusCode) implements DeliveryOutcome {
    }
}
