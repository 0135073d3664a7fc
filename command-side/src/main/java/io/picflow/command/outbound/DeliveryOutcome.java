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

    /** It never will (a 5xx SMTP reply, a refused address, a payload the provider rejects). */
    record Permanent(String code, String message, Integer statusCode) implements DeliveryOutcome {
    }
}
