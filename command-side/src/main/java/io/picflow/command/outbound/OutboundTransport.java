package io.picflow.command.outbound;

/**
 * Sends one kind of delivery ({@link #channel()}) to its provider: an SMTP server, an SMS or push service, a webhook
 * endpoint. It is given the delivery's id to pass on as the provider's idempotency key where the protocol has one
 * (an email's Message-ID, an {@code Idempotency-Key} or {@code webhook-id} header), so that the one repeat the
 * engine allows (a crash between the provider's acceptance and our record of it) is recognisable as such.
 */
public interface OutboundTransport {

    String channel();

    /** At most this many deliveries of the channel are sent at once, on this node. */
    default int concurrency() {
        return 8;
    }

    /**
     * The circuit breakers ({@code io.picflow.platform.resilience.Breakers}) a delivery to {@code target} may go
     * through, in the order tried: while every one of them is open, the dispatcher holds the delivery without
     * claiming an attempt. By default the target's own name ({@code smtp}, {@code fcm}, ...).
     */
    default java.util.List<String> breakersFor(String target) {
        return java.util.List.of(target);
    }

    /** Sends it; never throws for a failure of the provider's: that is an outcome. */
    DeliveryOutcome send(OutboundDelivery delivery);

    /**
     * Called once the delivery's outcome is final and recorded: sent ({@code errorCode} null) or failed for good
     * ({@code retryable}: a transient cause whose retries ran out). A failure here is logged, never retried: the
     * record is what counts.
     */
    default void settled(OutboundDelivery delivery, String errorCode, boolean retryable) {
    }
}
