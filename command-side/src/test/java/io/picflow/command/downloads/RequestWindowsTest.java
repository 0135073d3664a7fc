package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RequestWindowsTest {

    private Instant now = Instant.parse("2026-12-05T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void a_full_window_says_how_long_until_its_oldest_request_leaves_it() {
        RequestWindows windows = new RequestWindows(3, Duration.ofMinutes(1), 100, clock);
        assertThat(windows.tryAcquire("ann")).isEmpty();
        now = now.plusSeconds(20);
        assertThat(windows.tryAcquire("ann")).isEmpty();
        assertThat(windows.tryAcquire("ann")).isEmpty();

        assertThat(windows.tryAcquire("ann")).contains(Duration.ofSeconds(40));
        assertThat(windows.tryAcquire("ben")).isEmpty();

        now = now.plusSeconds(40);
        assertThat(windows.tryAcquire("ann")).isEmpty();
        assertThat(windows.tryAcquire("ann")).contains(Duration.ofSeconds(20));
    }

    @Test
    void a_huge_limit_costs_only_the_requests_made_and_still_holds() {
        RequestWindows windows = new RequestWindows(Integer.MAX_VALUE, Duration.ofMinutes(1), 100_000, clock);
        for (int user = 0; user < 10_000; user++) {
            assertThat(windows.tryAcquire("user-" + user)).isEmpty(); // a full-size ring each would be 17 GB per user
        }
        RequestWindows tight = new RequestWindows(100, Duration.ofMinutes(1), 10, clock);
        for (int i = 0; i < 100; i++) {
            assertThat(tight.tryAcquire("ann")).isEmpty();
        }
        assertThat(tight.tryAcquire("ann")).contains(Duration.ofMinutes(1));
    }

    @Test
    void windows_of_users_who_stopped_asking_are_dropped() {
        RequestWindows windows = new RequestWindows(3, Duration.ofMinutes(1), 100, clock);
        for (int user = 0; user < 50; user++) {
            windows.tryAcquire("user-" + user);
        }
        assertThat(windows.users()).isEqualTo(50);

        now = now.plusSeconds(61);

        assertThat(windows.users()).isZero();
    }

    @Test
    void at_most_max_users_windows_are_kept_however_many_users_ask() {
        RequestWindows windows = new RequestWindows(3, Duration.ofMinutes(1), 100, clock);
        for (int user = 0; user < 10_000; user++) {
            windows.tryAcquire("user-" + user);
        }

        assertThat(windows.users()).isLessThanOrEqualTo(100);
    }
}
