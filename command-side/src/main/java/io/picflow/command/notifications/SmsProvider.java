package io.picflow.command.notifications;

import io.picflow.command.outbound.DeliveryOutcome;

/**
 * One SMS provider of the {@code sms} channel ({@link TwilioSms}, or the embedded run's {@link DevOutbox}), behind its
 * own circuit breaker ({@link #breaker()}: {@code sms}, {@code sms-fallback}).
 */
interface SmsProvider {

    String breaker();

    /**
     * Sends {@code text} to {@code to} (E.164), with {@code deliveryId} as the provider's idempotency key; never throws
     * for the provider's failures: they are outcomes (a {@link DeliveryOutcome.Transient} counts against the breaker).
     */
    DeliveryOutcome send(String deliveryId, String to, String text);
}
