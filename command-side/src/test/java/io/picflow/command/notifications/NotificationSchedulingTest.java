package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When email goes: held through quiet hours (HIGH passes when allowed), collected into digests that list every item
 * once, and folded into the next digest beyond the hourly cap. The clock is the real one: a test moves a held
 * delivery's due time instead of waiting for it.
 */
class NotificationSchedulingTest extends NotificationsTestSupport {

    @Test
    void quiet_hours_hold_normal_notifications_and_let_high_priority_pass_when_allowed() throws Exception {
        register("quiet-ida", "Ida", "ida@example.test");
        verifyEmail("quiet-ida", "ida@example.test");
        register("quiet-jon", "Jon", null);
        // A window around now, in UTC: whatever the time of the run, now is quiet.
        int hour = LocalTime.now(ZoneOffset.UTC).getHour();
        String window = String.format("{\"start\":\"%02d:00\",\"end\":\"%02d:00\",\"allowHighPriority\":true}", (hour + 23) % 24, (hour + 2) % 24);
        assertThat(put("/api/users/me/notification-preferences", TestTokens.user("quiet-ida"), preferences("UTC", window, true, "off"))
                .statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationPreferencesChanged", "quiet-ida") == 1);

        favorite("quiet-jon", "quiet-ida"); // FAVORITED (NORMAL): held
        favorite("quiet-ida", "quiet-jon"); // MUTUAL_FAVORITE (HIGH): passes
        awaitMail("ida@example.test", "You and Jon now favorite each other");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(deliveries("quiet-ida", "email"))
                .contains(Map.of("status", "HELD", "reason", "QUIET_HOURS")));
        Instant due = jdbc.sql("SELECT due_at FROM outbound_delivery WHERE user_id = 'quiet-ida' AND status = 'HELD'")
                .query(java.sql.Timestamp.class).single().toInstant();
        assertThat(due.atZone(ZoneOffset.UTC).getHour()).isEqualTo((hour + 2) % 24);
        assertThat(due.atZone(ZoneOffset.UTC).getMinute()).isZero();
        assertThat(mailsTo("ida@example.test")).noneMatch(m -> subject(m).contains("favorited you"));

        releaseHeld("quiet-ida"); // the window ends
        awaitMail("ida@example.test", "Jon favorited you on picflow");
    }

    @Test
    void an_hourly_digest_lists_what_it_collected_once_and_is_never_empty() throws Exception {
        awaitClearOfTheHour();
        register("dig-kim", "Kim", "kim@example.test");
        verifyEmail("dig-kim", "kim@example.test");
        assertThat(put("/api/users/me/notification-preferences", TestTokens.user("dig-kim"), preferences("UTC", "null", true, "hourly"))
                .statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationPreferencesChanged", "dig-kim") == 1);
        for (String fan : List.of("dig-leo", "dig-max", "dig-ned")) {
            register(fan, fan.substring(4, 5).toUpperCase() + fan.substring(5), null);
            favorite(fan, "dig-kim");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("SELECT count(*) FROM notification_digest_item WHERE user_id = 'dig-kim'")
                .query(Long.class).single() == 3);
        assertThat(deliveries("dig-kim", "email")).containsOnlyOnce(Map.of("status", "HELD", "reason", "DIGEST"));
        Instant due = jdbc.sql("SELECT due_at FROM outbound_delivery WHERE user_id = 'dig-kim' AND status = 'HELD'")
                .query(java.sql.Timestamp.class).single().toInstant();
        assertThat(due).isEqualTo(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1)))
                .as("the next full hour (UTC)");

        releaseHeld("dig-kim");
        MimeMessage digest = awaitMail("kim@example.test", "Your picflow digest: 3 notifications");
        assertThat(text(digest)).contains("Leo favorited you", "Max favorited you", "Ned favorited you");
        assertThat(digest.getHeader("List-Unsubscribe", null)).contains("/api/unsubscribe?t=");
        await().atMost(Duration.ofSeconds(20)).until(() -> count("NotificationDelivered", "dig-kim") == 3);
        assertThat(mailsTo("kim@example.test")).filteredOn(m -> subject(m).startsWith("Your picflow digest")).hasSize(1);
    }

    @Test
    void beyond_the_hourly_cap_emails_fold_into_the_next_digest() throws Exception {
        awaitClearOfTheHour();
        register("cap-oli", "Oli", "oli@example.test");
        verifyEmail("cap-oli", "oli@example.test");
        jdbc.sql("INSERT INTO notification_email_count (user_id, hour, sent) VALUES ('cap-oli', date_trunc('hour', now()), 19)").update();
        assertThat(put("/api/users/me/notification-preferences", TestTokens.user("cap-oli"), preferences("UTC", "null", true, "off"))
                .statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationPreferencesChanged", "cap-oli") == 1);
        register("cap-pam", "Pam", null);
        register("cap-quin", "Quin", null);
        favorite("cap-pam", "cap-oli"); // the 20th of the hour: sent
        awaitMail("oli@example.test", "Pam favorited you on picflow");
        favorite("cap-quin", "cap-oli"); // the 21st: folded
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(deliveries("cap-oli", "email"))
                .contains(Map.of("status", "HELD", "reason", "RATE_CAP")));
        releaseHeld("cap-oli");
        MimeMessage digest = awaitMail("oli@example.test", "Your picflow digest: 1 notification");
        assertThat(text(digest)).contains("Quin favorited you");
        assertThat(mailsTo("oli@example.test")).noneMatch(m -> subject(m).equals("Quin favorited you on picflow"));
    }

    @Test
    void erasing_a_user_deletes_their_codes_preferences_and_delivery_log() throws Exception {
        register("era-rob", "Rob", "rob@example.test");
        verifyEmail("era-rob", "rob@example.test");
        register("era-sue", "Sue", null);
        put("/api/users/me/notification-preferences", TestTokens.user("era-rob"), preferences("UTC", "null", true, "hourly"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationPreferencesChanged", "era-rob") == 1);
        favorite("era-sue", "era-rob");
        put("/api/users/me/contact", TestTokens.user("era-rob"), "{\"phone\":\"+491701234567\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> rows("notification_digest_item", "era-rob") == 1);

        assertThat(api().send("DELETE", "/api/users/me", TestTokens.user("era-rob"), java.net.http.HttpRequest.BodyPublishers.noBody())
                .statusCode()).isEqualTo(202);
        for (String table : List.of("outbound_delivery", "notification_digest_item", "notification_recipient", "notification_preference",
                "contact_code", "contact_code_sent", "user_contact")) {
            assertThat(rows(table, "era-rob")).as(table).isZero();
        }
    }

    private long rows(String table, String user) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE user_id = :user").param("user", user).query(Long.class).single();
    }

    /** Time passes: the user's held deliveries are due now, and the dispatchers are told. */
    private void releaseHeld(String user) {
        jdbc.sql("UPDATE outbound_delivery SET due_at = now() WHERE user_id = :user AND status = 'HELD'").param("user", user).update();
        jdbc.sql("SELECT pg_notify('picflow_outbound', '')").query().singleRow();
    }
}
