package io.picflow.command.notifications;

import io.picflow.command.devices.Device;
import io.picflow.command.devices.Devices;
import io.picflow.command.outbound.OutboundDeliveries;
import io.picflow.command.outbound.OutboundDeliveries.NewDelivery;
import io.picflow.command.outbound.OutboundTransport;
import io.picflow.command.users.UserContacts;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides, for a new notification, what each outbound channel does with it, and records that as deliveries (in the
 * notification's transaction): skipped (the preference is off, the channel has no provider, no verified address),
 * sent now, held until the recipient's quiet hours end, or collected into a digest (their choice, or because they
 * reached the hourly cap). In-app needs nothing: the notification itself is the in-app message.
 */
@Component
class DeliveryPlanner {

    /** What the planner needs to know about a notification. */
    record Planned(String notificationId, String recipientId, Trigger trigger, String actorId, String subjectType, String subjectId,
            Instant createdAt) {
    }

    static final String SMTP = "smtp";

    private final OutboundDeliveries deliveries;
    private final PreferencesStore preferences;
    private final UserContacts contacts;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final ObjectProvider<OutboundTransport> transports;
    private final int hourlyEmailCap;
    private final SmsDailyCap smsDailyCap;
    private final Devices devices;
    private final org.springframework.transaction.support.TransactionTemplate ownTransaction;

    DeliveryPlanner(OutboundDeliveries deliveries, PreferencesStore preferences, UserContacts contacts, JdbcClient jdbc, JsonMapper json, Clock clock, ObjectProvider<OutboundTransport> transports,
            @Value("${picflow.notifications.email.hourly-cap:20}") int hourlyEmailCap, SmsDailyCap smsDailyCap,
            org.springframework.transaction.PlatformTransactionManager transactions, Devices devices) {
        this.deliveries = deliveries;
        this.preferences = preferences;
        this.contacts = contacts;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.transports = transports;
        this.hourlyEmailCap = hourlyEmailCap;
        this.smsDailyCap = smsDailyCap;
        this.devices = devices;
        this.ownTransaction = new org.springframework.transaction.support.TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    private volatile Set<String> availableChannels;

    /** The channels that have a provider here (the transports are fixed once the application runs: looked up once). */
    Set<String> availableChannels() {
        Set<String> channels = availableChannels;
        if (channels == null) {
            channels = transports.stream().map(OutboundTransport::channel).collect(Collectors.toUnmodifiableSet());
            availableChannels = channels;
        }
        return channels;
    }

    /** The recipient's preferences, for {@link #wantsInApp} and {@link #plan}: read once per notification. */
    NotificationPreferences preferencesOf(String recipientId) {
        return preferences.of(recipientId);
    }

    /** Whether the recipient wants this trigger in their inbox (in-app on, for the trigger and as a channel). */
    static boolean wantsInApp(NotificationPreferences prefs, Trigger trigger) {
        return prefs.channels().get(PreferencesDocument.IN_APP).enabled()
                && Boolean.TRUE.equals(prefs.triggers().get(trigger.name()).get(PreferencesDocument.IN_APP));
    }

    void plan(Planned notification, NotificationPreferences prefs) {
        DeliveryTiming timing = new DeliveryTiming(prefs);
        Set<String> available = availableChannels();
        Instant now = clock.instant();
        for (String channel : List.of(PreferencesDocument.EMAIL, PreferencesDocument.SMS, PreferencesDocument.PUSH)) {
            String deliveryId = notification.notificationId() + ":" + channel;
            Channel settings = prefs.channels().get(channel);
            if (!Boolean.TRUE.equals(prefs.triggers().get(notification.trigger().name()).get(channel)) || !settings.enabled()) {
                skip(deliveryId, channel, notification, "PREFERENCE_OFF");
            } else if (!available.contains(channel)) {
                skip(deliveryId, channel, notification, "CHANNEL_UNAVAILABLE");
            } else if (channel.equals(PreferencesDocument.PUSH)) {
                planPush(notification, settings, timing, now);
            } else if (!hasVerifiedAddress(notification.recipientId(), channel)) {
                skip(deliveryId, channel, notification, "NO_VERIFIED_ADDRESS");
            } else if (!"off".equals(settings.digest())) {
                collect(notification, channel, timing, settings.digest(), settings.digestAt(), now, "DIGEST");
            } else {
                Instant due = timing.outsideQuietHours(now, notification.trigger().priority);
                if (channel.equals(PreferencesDocument.EMAIL) && !takeHourlyEmail(notification.recipientId(), due)) {
                    // The cap counts the hour the email goes in (after quiet hours, say), and folds the rest into that
                    // hour's digest.
                    collect(notification, channel, timing, "hourly", null, due, "RATE_CAP");
                } else if (channel.equals(PreferencesDocument.SMS)
                        && !smsDailyCap.take(notification.recipientId(), due.atZone(timing.zone()).toLocalDate())) {
                    // Likewise per the user's local day: into the digest held until their next day begins (their midnight,
                    // or the end of quiet hours then), when the count starts again.
                    collect(notification, channel, timing, "daily", "00:00", due, "RATE_CAP");
                } else {
                    deliveries.record(new NewDelivery(deliveryId, channel, target(channel), null, single(notification), due,
                            due.isAfter(now) ? "HELD" : "PENDING", due.isAfter(now) ? "QUIET_HOURS" : null)
                            .forUser(notification.recipientId()));
                }
            }
        }
    }

    private boolean hasVerifiedAddress(String userId, String channel) {
        UserContacts.Contact contact = contacts.of(userId);
        return switch (channel) {
            case PreferencesDocument.EMAIL -> contact.email() != null && contact.emailVerified();
            case PreferencesDocument.SMS -> contact.phone() != null && contact.phoneVerified();
            default -> true; // push goes to devices: planPush
        };
    }

    private void skip(String deliveryId, String channel, Planned notification, String reason) {
        deliveries.record(new NewDelivery(deliveryId, channel, target(channel), null, "{}", clock.instant(), "SKIPPED", reason)
                .forUser(notification.recipientId()));
    }

    /**
     * Into the digest of the window {@code at} falls in: one delivery per user, channel and window, held until the
     * window ends, listing every item collected for it. A window that ends in quiet hours ends when they do, so the
     * night's windows make one digest. If that digest was claimed meanwhile (its window just ended), the next one.
     */
    private void collect(Planned notification, String channel, DeliveryTiming timing, String digest, String digestAt, Instant at,
            String reason) {
        collect(notification, channel, null, timing, digest, digestAt, at, reason);
    }

    /** {@code device}: push's, whose digest is the device's own (null for the other channels). */
    private void collect(Planned notification, String channel, Device device, DeliveryTiming timing, String digest, String digestAt,
            Instant at, String reason) {
        Instant windowEnd = timing.digestWindowEnd(digest, digestAt, at);
        for (int tries = 0; ; tries++) {
            Instant due = timing.holds(Trigger.Priority.LOW) ? timing.quietUntil(windowEnd).orElse(windowEnd) : windowEnd;
            String digestId = "digest:" + io.picflow.command.users.UserIds.notificationSettings(notification.recipientId()) + ":"
                    + channel + ":" + due.getEpochSecond() + (device == null ? "" : ":" + device.deviceId());
            ObjectNode payload = json.createObjectNode().put("kind", "digest").put("userId", notification.recipientId())
                    .put("windowEnd", due.toString());
            if (device != null) {
                payload.put("deviceId", device.deviceId());
            }
            if (deliveries.recordOrJoinHeld(new NewDelivery(digestId, channel, device == null ? target(channel) : device.platform(), null,
                    payload.toString(), due, "HELD", reason).forUser(notification.recipientId())) || tries >= 3) {
                jdbc.sql("INSERT INTO notification_digest_item (delivery_id, notification_id, user_id, trigger, actor_id, created_at) "
                                + "VALUES (:digest, :notification, :user, :trigger, :actor, :at) ON CONFLICT DO NOTHING")
                        .param("digest", digestId).param("notification", notification.notificationId())
                        .param("user", notification.recipientId()).param("trigger", notification.trigger().name())
                        .param("actor", notification.actorId()).param("at", java.sql.Timestamp.from(notification.createdAt())).update();
                return;
            }
            windowEnd = timing.digestWindowEnd(digest, digestAt, due);
        }
    }

    /**
     * One of the user's emails of this hour, unless they had the cap's worth already (counted in PostgreSQL: across nodes).
     * In a transaction of its own, so that the count's row is locked for a moment, not for the processor's whole batch
     * (two batches counting for the same users in opposite orders would deadlock). A batch that rolls back afterwards
     * leaves its count taken: at worst an email goes into the digest a little early, never one too many.
     */
    private boolean takeHourlyEmail(String userId, Instant now) {
        return Boolean.TRUE.equals(ownTransaction.execute(status -> !jdbc.sql("INSERT INTO notification_email_count (user_id, hour, sent) VALUES (:user, date_trunc('hour', CAST(:now AS TIMESTAMPTZ)), 1) "
                        + "ON CONFLICT (user_id, hour) DO UPDATE SET sent = notification_email_count.sent + 1 "
                        + "WHERE notification_email_count.sent < :cap RETURNING sent")
                .param("user", userId).param("now", java.sql.Timestamp.from(now)).param("cap", hourlyEmailCap)
                .query(Integer.class).list().isEmpty()));
    }

    private String single(Planned notification) {
        return singleNode(notification).toString();
    }

    private ObjectNode singleNode(Planned notification) {
        return json.createObjectNode().put("kind", "notification").put("userId", notification.recipientId())
                .put("notificationId", notification.notificationId()).put("trigger", notification.trigger().name())
                .put("actorId", notification.actorId()).put("createdAt", notification.createdAt().toString());
    }

    /**
     * Push goes to each of the recipient's active devices, one delivery each ({@code <notification>:push:<device>}, whose
     * target is the device's platform): a device's provider, verdicts and retries are its own, and a device removed
     * meanwhile is not sent to (its token is looked up when sending, and never written here). No active device: skipped,
     * as a channel without an address. A digest is collected per device, as email's is per user.
     */
    private void planPush(Planned notification, Channel settings, DeliveryTiming timing, Instant now) {
        String channel = PreferencesDocument.PUSH;
        List<Device> active = devices.active(notification.recipientId());
        if (active.isEmpty()) {
            skip(notification.notificationId() + ":" + channel, channel, notification, "NO_VERIFIED_ADDRESS");
            return;
        }
        Instant due = timing.outsideQuietHours(now, notification.trigger().priority);
        for (Device device : active) {
            if (!"off".equals(settings.digest())) {
                collect(notification, channel, device, timing, settings.digest(), settings.digestAt(), now, "DIGEST");
            } else {
                deliveries.record(new NewDelivery(notification.notificationId() + ":" + channel + ":" + device.deviceId(), channel,
                        device.platform(), null, singleNode(notification).put("deviceId", device.deviceId()).toString(), due,
                        due.isAfter(now) ? "HELD" : "PENDING", due.isAfter(now) ? "QUIET_HOURS" : null).forUser(notification.recipientId()));
            }
        }
    }

    private static String target(String channel) {
        return PreferencesDocument.EMAIL.equals(channel) ? SMTP : channel;
    }
}
