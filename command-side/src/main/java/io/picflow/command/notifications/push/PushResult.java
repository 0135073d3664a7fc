package io.picflow.command.notifications.push;

import java.time.Duration;

/**
 * A push provider's answer, in the terms of the device lifecycle: whether it is about the provider (its breaker counts
 * it), about one device (the device's own failure count, or the device goes), or about our message.
 */
public sealed interface PushResult {

    /** Accepted; {@code providerId}: the provider's name for the message, if it gave one. */
    record Accepted(String providerId, int status) implements PushResult {
    }

    /** The provider says the token is no longer valid ({@code reason}: its verdict): the device is deactivated, no retry. */
    record InvalidToken(String reason, int status, String detail) implements PushResult {
    }

    /** One device's trouble, not the provider's (APNs 429 for that token): retried, and counted against the device. */
    record DeviceFailure(String reason, int status, Duration retryAfter, String detail) implements PushResult {
    }

    /** Our message was refused (a payload error of ours): it fails for good, and the device is not blamed. */
    record Rejected(String code, int status, String detail) implements PushResult {
    }

    /**
     * The provider failed or could not be reached (5xx, its quota, a timeout, our credentials refused): retried
     * ({@code retryAfter}: its wish), counted against its breaker, never against a device.
     */
    record Unavailable(String code, Integer status, Duration retryAfter, String detail) implements PushResult {
    }
}
