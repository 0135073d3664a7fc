package io.picflow.command.notifications;

import io.picflow.command.notifications.NotificationLetters.Letter;
import io.picflow.command.outbound.DeliveryOutcome;
import io.picflow.command.outbound.OutboundDelivery;
import io.picflow.command.outbound.OutboundTransport;
import io.picflow.command.outbound.ProviderCalls;
import io.picflow.command.users.UserContacts;
import io.picflow.platform.resilience.Breakers;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends the {@code sms} channel's deliveries: a notification, a digest, or a phone's verification code, as short plain
 * text (the words email uses, without links). The phone is looked up when sending: a changed or erased one is not
 * written to, and only a verified one receives notifications.
 *
 * <p>Each provider has its own circuit breaker ({@code sms}, {@code sms-fallback}). The primary is tried unless its
 * breaker refuses; only then the fallback. A failure of the primary is not passed on to the fallback at once: a timed-out
 * request may have been sent all the same, and the idempotency key protects against a repeat on the same provider
 * only. The engine retries it instead; by then the primary's breaker may be open, and the retry goes to the fallback.
 * While both refuse, the delivery is held ({@code PROVIDER_UNAVAILABLE}) and nothing is tried.
 */
class SmsTransport implements OutboundTransport, AutoCloseable {

    static final String CHANNEL = PreferencesDocument.SMS;
    /** What one SMS may say at most: two segments of a concatenated SMS. */
    static final int MAX_CHARS = 320;

    private final List<SmsProvider> providers;
    private final int concurrency;
    private final UserContacts contacts;
    private final ContactVerification verification;
    private final NotificationLetters letters;
    private final DeliveryOutcomes outcomes;
    private final Breakers breakers;
    private final JsonMapper json;
    private final AutoCloseable resources;

    /** {@code providers}: in the order tried; {@code resources}: closed with the transport (the HTTP client). */
    SmsTransport(List<SmsProvider> providers, int concurrency, UserContacts contacts, ContactVerification verification,
            NotificationLetters letters, DeliveryOutcomes outcomes, Breakers breakers, JsonMapper json, AutoCloseable resources) {
        this.providers = List.copyOf(providers);
        this.concurrency = concurrency;
        this.contacts = contacts;
        this.verification = verification;
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

    /**
     * The requests in flight at most, on this node. Only one provider takes the traffic at a time (the fallback only
     * while the primary's breaker is open), so this is also the bound per provider.
     */
    @Override
    public int concurrency() {
        return concurrency;
    }

    @Override
    public List<String> breakersFor(String target) {
        return providers.stream().map(SmsProvider::breaker).toList();
    }

    @Override
    public DeliveryOutcome send(OutboundDelivery delivery) {
        JsonNode payload = json.readTree(delivery.payload());
        String userId = payload.get("userId").asString();
        String kind = payload.get("kind").asString();
        UserContacts.Contact contact = contacts.of(userId);
        Optional<String> to = "verification".equals(kind)
                ? Optional.of(payload.get("address").asString()).filter(phone -> phone.equals(contact.phone()))
                : Optional.ofNullable(contact.phone()).filter(phone -> contact.phoneVerified());
        if (to.isEmpty()) {
            return new DeliveryOutcome.Permanent("NO_VERIFIED_ADDRESS", "The user has no verified phone now", null);
        }
        String text;
        switch (kind) {
            case "notification" -> text = fit(letters.notification(payload).lines().get(0)); // its line says it all, with the time
            case "digest" -> {
                Optional<Letter> digest = letters.digest(delivery.deliveryId(), userId);
                if (digest.isEmpty()) {
                    return new DeliveryOutcome.Permanent("EMPTY_DIGEST", "Nothing to list: an empty digest is never sent", null);
                }
                text = digestText(digest.get());
            }
            case "verification" -> {
                if (!verification.current(userId, delivery.deliveryId())) {
                    return new DeliveryOutcome.Permanent("CODE_SUPERSEDED", "A newer code was sent, or this one expired: not sent", null);
                }
                text = "Your picflow code is " + payload.get("code").asString() + ". It is valid for 15 minutes.";
            }
            default -> {
                return new DeliveryOutcome.Permanent("UNKNOWN_KIND", "Unknown SMS kind " + kind, null);
            }
        }
        return sendThroughFirstAvailable(delivery.deliveryId(), to.get(), text);
    }

    private DeliveryOutcome sendThroughFirstAvailable(String deliveryId, String to, String text) {
        DeliveryOutcome.ProviderUnavailable soonest = null;
        for (SmsProvider provider : providers) {
            DeliveryOutcome outcome = ProviderCalls.through(breakers, provider.breaker(), () -> provider.send(deliveryId, to, text));
            if (!(outcome instanceof DeliveryOutcome.ProviderUnavailable unavailable)) {
                return outcome;
            }
            if (soonest == null || unavailable.retryIn().compareTo(soonest.retryIn()) < 0) {
                soonest = unavailable;
            }
        }
        return soonest; // every breaker refused: the dispatcher holds the delivery until the first lets a call through
    }

    /** A digest as one SMS: its subject, as many of its lines as fit in {@value #MAX_CHARS} characters, and how many more there are. */
    static String digestText(Letter letter) {
        StringBuilder text = new StringBuilder(letter.subject());
        List<String> lines = letter.lines();
        for (int i = 0; i < lines.size(); i++) {
            String more = i + 1 < lines.size() ? "\n+" + (lines.size() - i - 1) + " more" : "";
            if (length(text) + 1 + length(lines.get(i)) + more.length() > MAX_CHARS) {
                text.append("\n+").append(lines.size() - i).append(" more");
                return fit(text.toString());
            }
            text.append('\n').append(lines.get(i));
        }
        return fit(text.toString());
    }

    private static int length(CharSequence text) {
        return Character.codePointCount(text, 0, text.length());
    }

    /** Cut to {@value #MAX_CHARS} characters (not halfway through one: a name may hold emoji). */
    static String fit(String text) {
        if (length(text) <= MAX_CHARS) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, MAX_CHARS - 3)) + "...";
    }

    /** The notifications the delivery carried learn its outcome; a code's delivery forgets the plain code. */
    @Override
    public void settled(OutboundDelivery delivery, String errorCode, boolean retryable) {
        if (delivery.deliveryId().startsWith(ContactVerification.DELIVERY_PREFIX)) {
            verification.redact(delivery.deliveryId());
            return;
        }
        outcomes.settled(delivery, errorCode, retryable);
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
