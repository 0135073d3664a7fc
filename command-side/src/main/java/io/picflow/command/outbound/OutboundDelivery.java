package io.picflow.command.outbound;

import java.time.Instant;

/** A delivery as the dispatcher hands it to its transport. {@code attempt} counts from 1. */
public record OutboundDelivery(String deliveryId, String channel, String target, String orderingKey, String payload, int attempt,
        Instant createdAt) {
}
