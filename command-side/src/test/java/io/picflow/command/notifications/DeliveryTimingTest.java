package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Quiet hours and digest windows in the recipient's zone, across midnight and daylight saving changes, with fixed clocks. */
class DeliveryTimingTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void a_window_across_midnight_holds_until_its_end_the_next_morning() {
        DeliveryTiming timing = timing("Europe/Berlin", "22:00", "07:00", false);
        assertThat(timing.quietUntil(berlin("2026-06-10T23:30"))).contains(berlin("2026-06-11T07:00"));
        assertThat(timing.quietUntil(berlin("2026-06-11T06:59"))).contains(berlin("2026-06-11T07:00"));
        assertThat(timing.quietUntil(berlin("2026-06-10T22:00"))).contains(berlin("2026-06-11T07:00"));
        assertThat(timing.quietUntil(berlin("2026-06-11T07:00"))).isEmpty();
        assertThat(timing.quietUntil(berlin("2026-06-11T12:00"))).isEmpty();
        assertThat(timing.quietUntil(berlin("2026-06-10T21:59"))).isEmpty();
    }

    @Test
    void a_window_within_a_day_holds_only_inside_it() {
        DeliveryTiming timing = timing("Europe/Berlin", "13:00", "14:30", false);
        assertThat(timing.quietUntil(berlin("2026-06-10T13:10"))).contains(berlin("2026-06-10T14:30"));
        assertThat(timing.quietUntil(berlin("2026-06-10T14:30"))).isEmpty();
        assertThat(timing.quietUntil(berlin("2026-06-10T12:59"))).isEmpty();
    }

    @Test
    void the_night_the_clocks_go_back_is_an_hour_longer() {
        DeliveryTiming timing = timing("Europe/Berlin", "22:00", "07:00", false);
        Instant evening = Instant.parse("2026-10-24T21:00:00Z"); // 23:00 CEST
        assertThat(timing.quietUntil(evening)).contains(Instant.parse("2026-10-25T06:00:00Z")); // 07:00 CET: 9 h + 1 h later
    }

    @Test
    void an_end_in_the_hour_that_does_not_exist_is_the_first_instant_after_it() {
        DeliveryTiming timing = timing("Europe/Berlin", "22:00", "02:30", false);
        Instant evening = Instant.parse("2026-03-28T22:00:00Z"); // 23:00 CET; at 02:00 the clocks jump to 03:00 CEST
        // 02:30 never comes that night: the window ends when the clocks jump past it, at 03:00 CEST.
        assertThat(timing.quietUntil(evening)).contains(Instant.parse("2026-03-29T01:00:00Z"));
    }

    @Test
    void high_priority_passes_only_when_allowed() {
        assertThat(timing("UTC", "22:00", "07:00", true).holds(Trigger.Priority.HIGH)).isFalse();
        assertThat(timing("UTC", "22:00", "07:00", true).holds(Trigger.Priority.NORMAL)).isTrue();
        assertThat(timing("UTC", "22:00", "07:00", false).holds(Trigger.Priority.HIGH)).isTrue();
        Instant night = Instant.parse("2026-06-10T23:00:00Z");
        assertThat(timing("UTC", "22:00", "07:00", true).outsideQuietHours(night, Trigger.Priority.HIGH)).isEqualTo(night);
        assertThat(timing("UTC", "22:00", "07:00", true).outsideQuietHours(night, Trigger.Priority.LOW))
                .isEqualTo(Instant.parse("2026-06-11T07:00:00Z"));
    }

    @Test
    void digests_close_at_the_next_local_hour_or_the_next_digest_time() {
        DeliveryTiming timing = timing("Europe/Berlin", null, null, false);
        assertThat(timing.digestWindowEnd("hourly", "08:00", berlin("2026-06-10T10:15"))).isEqualTo(berlin("2026-06-10T11:00"));
        assertThat(timing.digestWindowEnd("daily", "08:00", berlin("2026-06-10T07:00"))).isEqualTo(berlin("2026-06-10T08:00"));
        assertThat(timing.digestWindowEnd("daily", "08:00", berlin("2026-06-10T08:00"))).isEqualTo(berlin("2026-06-11T08:00"));
        assertThat(timing.digestWindowEnd("daily", "08:00", berlin("2026-06-10T09:00"))).isEqualTo(berlin("2026-06-11T08:00"));
        // In India (UTC+05:30) an hourly digest closes on the local hour, which is a half hour in UTC.
        assertThat(timing("Asia/Kolkata", null, null, false).digestWindowEnd("hourly", "08:00", Instant.parse("2026-06-10T10:10:00Z")))
                .isEqualTo(Instant.parse("2026-06-10T10:30:00Z"));
    }

    private static DeliveryTiming timing(String zone, String start, String end, boolean allowHigh) {
        QuietHours quiet = start == null ? null : new QuietHours(start, end, allowHigh);
        NotificationPreferences defaults = PreferencesDocument.defaults();
        return new DeliveryTiming(new NotificationPreferences(zone, quiet, defaults.channels(), defaults.triggers()));
    }

    private static Instant berlin(String localDateTime) {
        return LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
    }
}
