package io.picflow.command.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * When a delivery may go, in the recipient's time zone: the end of their quiet hours (across midnight and daylight
 * saving changes: a local time that does not exist that day is the instant the clocks jump to, the first after the gap)
 * and the end of a digest window.
 */
final class DeliveryTiming {

    private final ZoneId zone;
    private final QuietHours quietHours;

    DeliveryTiming(NotificationPreferences preferences) {
        this.zone = ZoneId.of(preferences.timeZone());
        this.quietHours = preferences.quietHours();
    }

    ZoneId zone() {
        return zone;
    }

    /** If {@code at} falls in the quiet hours: when they end. */
    Optional<Instant> quietUntil(Instant at) {
        if (quietHours == null) {
            return Optional.empty();
        }
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        LocalTime start = LocalTime.parse(quietHours.start());
        LocalTime end = LocalTime.parse(quietHours.end());
        LocalDate day = local.toLocalDate();
        if (start.isBefore(end)) {
            return !time.isBefore(start) && time.isBefore(end) ? Optional.of(at(day, end)) : Optional.empty();
        }
        if (!time.isBefore(start)) {
            return Optional.of(at(day.plusDays(1), end)); // the window runs across midnight into tomorrow
        }
        return time.isBefore(end) ? Optional.of(at(day, end)) : Optional.empty();
    }

    /** Whether quiet hours hold a notification of this priority at all. */
    boolean holds(Trigger.Priority priority) {
        return quietHours != null && !(priority == Trigger.Priority.HIGH && quietHours.allowHighPriority());
    }

    /** The end of the digest window {@code at} falls in: the next full local hour, or the next {@code digestAt}. */
    Instant digestWindowEnd(String digest, String digestAt, Instant at) {
        ZonedDateTime local = at.atZone(zone);
        if ("hourly".equals(digest)) {
            return local.truncatedTo(ChronoUnit.HOURS).plusHours(1).toInstant();
        }
        Instant today = at(local.toLocalDate(), LocalTime.parse(digestAt));
        return today.isAfter(at) ? today : at(local.toLocalDate().plusDays(1), LocalTime.parse(digestAt));
    }

    /** {@code due}, or the end of the quiet hours it falls in. */
    Instant outsideQuietHours(Instant due, Trigger.Priority priority) {
        return holds(priority) ? quietUntil(due).orElse(due) : due;
    }

    /** The instant of that local time; a time the clocks skip that day is the instant they skip to (the gap's end). */
    private Instant at(LocalDate day, LocalTime time) {
        java.time.LocalDateTime local = java.time.LocalDateTime.of(day, time);
        java.time.zone.ZoneOffsetTransition transition = zone.getRules().getTransition(local);
        return transition != null && transition.isGap() ? transition.getInstant() : local.atZone(zone).toInstant();
    }
}
