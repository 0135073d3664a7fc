package io.picflow.command.notifications;

import io.picflow.command.devices.Devices;
import io.picflow.command.notifications.NotificationLetters.Letter;
import io.picflow.command.notifications.push.PushMessage;
import io.picflow.command.notifications.push.PushProvider;
import io.picflow.command.notifications.push.PushResult;
import io.picflow.command.outbound.DeliveryOutcome;
import io.picflow.command.outbound.OutboundDelivery;
import io.picflow.command.outbound.OutboundTransport;
import io.picflow.command.outbound.ProviderCalls;
import io.picflow.command.users.UserIds;
import io.picflow.platform.resilience.Breakers;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends the {@code push} channel's deliveries, one per device (its id in the payload, its platform the delivery's
 * target): a notification, or a digest of the items collected for the device's window. The token is looked up when
 * sending: a device removed, moved to another user or deactivated since is not sent to ({@code DEVICE_INACTIVE}).
 *
 * <p>What the providers' answers do to the device ({@link PushResult}): a token they call invalid deactivates it at once
 * (the delivery fails for good); one device's own failure (APNs 429 for its token) counts against it, is retried, and
 * {@value Devices#FAILURES_TO_DEACTIVATE} in a row deactivate it; a success starts the count again. The provider's own
 * failures are retried and count against its circuit breaker ({@code fcm}, {@code apns}) only; a device's troubles and
 * our payload errors are a working provider's answers, successes for the breaker.
 */
class PushTransport implements OutboundTransport, AutoCloseable {

    static final String CHANNEL = PreferencesDocument.PUSH;
    /** What a push says at most: a lock screen shows a few lines, and the providers take 4 KB in all. */
    static final int MAX_TITLE = 200;
    static final int MAX_BODY = 1000;
    private static final String DEVICE_FAILURE = "DEVICE_FAILURE";

    private final Map<String, PushProvider> providers;
    private final int concurrency;
    private final Devices devices;
    private final NotificationLetters letters;
    private final DeliveryOutcomes outcomes;
    private final Breakers breakers;
    private final JsonMapper json;
    private final AutoCloseable resources;

    /** {@code providers}: by platform ({@code fcm}, {@code apns}); {@code resources}: closed with the transport. */
    PushTransport(Map<String, PushProvider> providers, int concurrency, Devices devices, NotificationLetters letters,
            DeliveryOutcomes outcomes, Breakers breakers, JsonMapper json, AutoCloseable resources) {
        this.providers = Map.copyOf(providers);
        this.concurrency = concurrency;
        this.devices = devices;
        this.letters = letters;
        this.outcomes = outcomes;
        this.breakers = breakers;
        this.json = json;
        this.resources = resources;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    /** Each provider bounds its own requests in flight; this is room for all of them at once. */
    @Override
    public int concurrency() {
        return concurrency;
    }

    @Override
    public DeliveryOutcome send(OutboundDelivery delivery) {
        JsonNode payload = json.readTree(delivery.payload());
        String deviceId = payload.path("deviceId").asString(null);
        Optional<Devices.Sendable> device = deviceId == null ? Optional.empty() : devices.sendable(deviceId);
        if (device.isEmpty()) {
            return new DeliveryOutcome.Permanent("DEVICE_INACTIVE", "The device was removed, moved or deactivated: not sent", null);
        }
        PushProvider provider = providers.get(device.get().platform());
        if (provider == null) {
            return new DeliveryOutcome.Permanent("PLATFORM_UNAVAILABLE", "No " + device.get().platform() + " provider is configured", null);
        }
        Optional<PushMessage> message = message(delivery, payload);
        if (message.isEmpty()) {
            return new DeliveryOutcome.Permanent("EMPTY_DIGEST", "Nothing to list: an empty digest is never sent", null);
        }
        AtomicReference<PushResult> answer = new AtomicReference<>(); // none: the breaker refused the call
        DeliveryOutcome outcome = ProviderCalls.through(breakers, provider.breaker(), () -> {
            answer.set(provider.send(message.get(), device.get()));
            return outcome(answer.get());
        }, PushTransport::providerFailure);
        // The device's lifecycle after the call, outside it: the breaker times the provider, not our database.
        return answer.get() == null ? outcome : lifecycle(answer.get(), outcome, deviceId, delivery.deliveryId());
    }

    /** What the answer does to the device, and the delivery's outcome after that. */
    private DeliveryOutcome lifecycle(PushResult answer, DeliveryOutcome outcome, String deviceId, String deliveryId) {
        if (answer instanceof PushResult.Accepted) {
            devices.delivered(deviceId);
        } else if (answer instanceof PushResult.InvalidToken invalid) {
            devices.deactivate(deviceId, invalid.reason(), deliveryId);
        } else if (answer instanceof PushResult.DeviceFailure failure && devices.failedOnce(deviceId, deliveryId)) {
            return new DeliveryOutcome.Permanent("DEVICE_DEACTIVATED", "The device failed " + Devices.FAILURES_TO_DEACTIVATE
                    + " times in a row and was deactivated: " + failure.detail(), failure.status());
        }
        return outcome;
    }

    private static DeliveryOutcome outcome(PushResult answer) {
        if (answer instanceof PushResult.Accepted accepted) {
            return new DeliveryOutcome.Sent(accepted.providerId(), accepted.status(), null);
        }
        if (answer instanceof PushResult.InvalidToken invalid) {
            return new DeliveryOutcome.Permanent("DEVICE_TOKEN_INVALID", invalid.detail(), invalid.status());
        }
        if (answer instanceof PushResult.DeviceFailure failure) {
            return new DeliveryOutcome.Transient(DEVICE_FAILURE, failure.detail(), failure.status(), failure.retryAfter());
        }
        if (answer instanceof PushResult.Rejected rejected) {
            return new DeliveryOutcome.Permanent(rejected.code(), rejected.detail(), rejected.status());
        }
        PushResult.Unavailable unavailable = (PushResult.Unavailable) answer;
        return new DeliveryOutcome.Transient(unavailable.code(), unavailable.detail(), unavailable.status(), unavailable.retryAfter());
    }

    /** Only the provider's own failures count against its breaker: not one device's, not our payload's. */
    static boolean providerFailure(DeliveryOutcome outcome) {
        return outcome instanceof DeliveryOutcome.Transient failure && !DEVICE_FAILURE.equals(failure.code());
    }

    /** The push, worded now (as email and SMS are: an actor erased meanwhile is "Someone"). */
    private Optional<PushMessage> message(OutboundDelivery delivery, JsonNode payload) {
        if ("digest".equals(payload.path("kind").asString(""))) {
            return letters.digest(delivery.deliveryId(), payload.get("userId").asString()).map(digest -> new PushMessage(
                    delivery.deliveryId(), collapseId(delivery.deliveryId()), fit(digest.subject(), MAX_TITLE),
                    fit(String.join("\n", digest.lines()), MAX_BODY), Map.of("kind", "digest"), true));
        }
        Letter letter = letters.notification(payload);
        String notificationId = payload.get("notificationId").asString();
        Trigger trigger = Trigger.valueOf(payload.get("trigger").asString());
        return Optional.of(new PushMessage(delivery.deliveryId(), collapseId(notificationId), fit(letter.subject(), MAX_TITLE),
                fit(letter.lines().get(0), MAX_BODY), Map.of("kind", "notification", "notificationId", notificationId,
                        "trigger", trigger.name()), trigger.priority == Trigger.Priority.LOW));
    }

    /** A repeat of the same notification is shown once: APNs takes at most 64 bytes, so longer ids are hashed. */
    static String collapseId(String id) {
        return id.length() <= 64 ? id : UserIds.sha256(id);
    }

    /** Cut to {@code max} characters (not halfway through one: a name may hold emoji). */
    static String fit(String text, int max) {
        if (text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, max - 3)) + "...";
    }

    /** The notifications the delivery carried learn its outcome (one event per device's delivery). */
    @Override
    public void settled(OutboundDelivery delivery, String errorCode, boolean retryable) {
        outcomes.settled(delivery, errorCode, retryable);
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
