package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Notifications end to end on the command side: a real PostgreSQL, the real trigger processor and outbound
 * dispatcher, and email into the embedded SMTP server (GreenMail) over SMTP.
 */
class NotificationsApiTest extends NotificationsTestSupport {

    @Test
    void a_mutual_favorite_notifies_both_users_and_emails_the_one_with_a_verified_address() throws Exception {
        register("mf-ann", "Ann", "ann@example.test");
        verifyEmail("mf-ann", "ann@example.test");
        register("mf-bob", "Bob", "bob@example.test"); // never verified: no email for Bob

        assertThat(favorite("mf-ann", "mf-bob").statusCode()).isEqualTo(202);
        assertThat(favorite("mf-bob", "mf-ann").statusCode()).isEqualTo(202);

        MimeMessage mail = awaitMail("ann@example.test", "You and Bob now favorite each other");
        assertThat(mail.getHeader("List-Unsubscribe", null)).startsWith("<http://127.0.0.1:").contains("/api/unsubscribe?t=");
        assertThat(mail.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(mail.getMessageID()).matches("<[0-9a-f]{64}@picflow>");
        // One NotificationCreated per recipient: FAVORITED for Bob (from Ann), FAVORITED for Ann and MUTUAL_FAVORITE for both.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(createdFor("mf-ann")).containsExactlyInAnyOrder("FAVORITED", "MUTUAL_FAVORITE");
            assertThat(createdFor("mf-bob")).containsExactlyInAnyOrder("FAVORITED", "MUTUAL_FAVORITE");
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(deliveries("mf-bob", "email"))
                .contains(Map.of("status", "SKIPPED", "reason", "NO_VERIFIED_ADDRESS")));
        // Delivered: the event the query side's delivery log shows; and no repeat.
        await().atMost(Duration.ofSeconds(20)).until(() -> count("NotificationDelivered", "mf-ann") == 1);
        assertThat(mailsTo("ann@example.test")).filteredOn(m -> subject(m).contains("favorite each other")).hasSize(1);
        // FAVORITED by email is off by default: skipped by preference, and no mail about it.
        assertThat(deliveries("mf-ann", "email")).contains(Map.of("status", "SKIPPED", "reason", "PREFERENCE_OFF"));
        assertThat(mailsTo("ann@example.test")).noneMatch(m -> subject(m).contains("favorited you"));
    }

    @Test
    void verification_codes_are_limited_checked_and_only_then_mark_the_address_verified() throws Exception {
        register("ver-cat", "Cat", null);
        String token = TestTokens.user("ver-cat");
        assertThat(put("/api/users/me/contact", token, "{\"email\":\"cat@example.test\"}").statusCode()).isEqualTo(202);
        String code = awaitCode("cat@example.test");
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"emailVerified\":false");

        HttpResponse<String> wrong = api().postJson("/api/users/me/contact/email/verify", token,
                "{\"code\":\"" + (code.equals("000000") ? "111111" : "000000") + "\"}");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("wrong code");
        assertThat(api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + code + "\"}").statusCode()).isEqualTo(204);
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"email\":\"cat@example.test\"", "\"emailVerified\":true");
        // Used up: the same code again is refused.
        assertThat(api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + code + "\"}").statusCode()).isEqualTo(400);

        // Two more codes this hour, then 429, and the address stays as it was.
        assertThat(put("/api/users/me/contact", token, "{\"email\":\"cat2@example.test\"}").statusCode()).isEqualTo(202);
        assertThat(put("/api/users/me/contact", token, "{\"email\":\"cat3@example.test\"}").statusCode()).isEqualTo(202);
        HttpResponse<String> tooMany = put("/api/users/me/contact", token, "{\"email\":\"cat4@example.test\"}");
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(429);
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"email\":\"cat3@example.test\"");
        // A phone is kept when omitted, and null erases.
        assertThat(put("/api/users/me/contact", token, "{\"email\":null}").statusCode()).isEqualTo(202);
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"email\":null");
        assertThat(put("/api/users/me/contact", token, "{\"phone\":\"0170 1234\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void five_wrong_tries_use_up_a_code() throws Exception {
        register("ver-dan", "Dan", null);
        String token = TestTokens.user("ver-dan");
        put("/api/users/me/contact", token, "{\"email\":\"dan@example.test\"}");
        String code = awaitCode("dan@example.test");
        String wrongCode = code.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < ContactVerification.TRIES; i++) {
            assertThat(api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + wrongCode + "\"}").statusCode())
                    .isEqualTo(400);
        }
        HttpResponse<String> right = api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + code + "\"}");
        assertThat(right.statusCode()).isEqualTo(400);
        assertThat(right.body()).contains("out of tries");
    }

    @Test
    void preferences_are_validated_as_a_whole_document_and_then_decide_the_channel() throws Exception {
        register("pref-eve", "Eve", "eve@example.test");
        verifyEmail("pref-eve", "eve@example.test");
        register("pref-fay", "Fay", null);
        String token = TestTokens.user("pref-eve");

        HttpResponse<String> missing = put("/api/users/me/notification-preferences", token, "{\"timeZone\":\"UTC\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("quietHours: missing");
        String valid = preferences("Europe/Berlin", "null", true, "off");
        HttpResponse<String> badZone = put("/api/users/me/notification-preferences", token, valid.replace("Europe/Berlin", "Mars/Olympus"));
        assertThat(badZone.statusCode()).isEqualTo(400);
        assertThat(badZone.body()).contains("timeZone");
        HttpResponse<String> badTrigger = put("/api/users/me/notification-preferences", token,
                valid.replace("\"DOWNLOAD_FAILED\"", "\"SOMETHING_ELSE\""));
        assertThat(badTrigger.statusCode()).isEqualTo(400);
        assertThat(badTrigger.body()).contains("triggers.SOMETHING_ELSE");
        HttpResponse<String> badChannel = put("/api/users/me/notification-preferences", token, valid.replace("\"push\":{\"enabled\"",
                "\"pigeon\":{\"enabled\":true},\"push\":{\"enabled\""));
        assertThat(badChannel.statusCode()).isEqualTo(400);
        assertThat(badChannel.body()).contains("channels.pigeon");
        HttpResponse<String> badTime = put("/api/users/me/notification-preferences", token,
                preferences("UTC", "{\"start\":\"25:00\",\"end\":\"07:00\",\"allowHighPriority\":false}", true, "off"));
        assertThat(badTime.statusCode()).isEqualTo(400);
        assertThat(badTime.body()).contains("quietHours.start");

        assertThat(put("/api/users/me/notification-preferences", token, valid).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationPreferencesChanged", "pref-eve") == 1);

        // FAVORITED by email, now on: Fay's favorite reaches Eve's inbox.
        assertThat(favorite("pref-fay", "pref-eve").statusCode()).isEqualTo(202);
        MimeMessage mail = awaitMail("eve@example.test", "Fay favorited you on picflow");
        assertThat(text(mail)).containsPattern("\\(CES?T\\)"); // the time in Eve's zone, summer or winter

        // The unsubscribe link turns FAVORITED by email off again: GET only shows a confirmation, POST does it, twice is fine.
        String link = mail.getHeader("List-Unsubscribe", null).replaceAll("^<|>$", "");
        String path = link.substring(link.indexOf("/api/"));
        HttpResponse<String> page = api().get(path, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form method=\"post\"", "favorited notifications by email");
        assertThat(count("NotificationPreferencesChanged", "pref-eve")).isEqualTo(1);
        assertThat(api().postJson(path, null, "").statusCode()).isEqualTo(200);
        assertThat(api().postJson(path, null, "").statusCode()).isEqualTo(200);
        assertThat(count("NotificationPreferencesChanged", "pref-eve")).isEqualTo(2);
        assertThat(jdbc.sql("SELECT document FROM notification_preference WHERE user_id = 'pref-eve'").query(String.class).single())
                .contains("\"FAVORITED\":{\"in_app\":true,\"email\":false");
        assertThat(api().postJson("/api/unsubscribe?t=" + path.substring(path.indexOf("t=") + 2, path.length() - 3) + "xyz", null, "")
                .statusCode()).isEqualTo(400);
    }

    @Test
    void a_user_reads_only_their_own_notifications() {
        register("read-gus", "Gus", null);
        register("read-hal", "Hal", null);
        favorite("read-gus", "read-hal");
        await().atMost(Duration.ofSeconds(20)).until(() -> !notificationIdsFor("read-hal").isEmpty());
        String notificationId = notificationIdsFor("read-hal").get(0);

        assertThat(api().postJson("/api/users/me/notifications/" + notificationId + "/read", TestTokens.user("read-gus"), "").statusCode())
                .isEqualTo(404);
        assertThat(api().postJson("/api/users/me/notifications/notif-" + "0".repeat(64) + "/read", TestTokens.user("read-hal"), "")
                .statusCode()).isEqualTo(404);
        assertThat(api().postJson("/api/users/me/notifications/" + notificationId + "/read", TestTokens.user("read-hal"), "").statusCode())
                .isEqualTo(202);
        assertThat(api().postJson("/api/users/me/notifications/" + notificationId + "/read", TestTokens.user("read-hal"), "").statusCode())
                .isEqualTo(202);
        assertThat(count("NotificationRead", "read-hal")).isEqualTo(1);
        assertThat(api().postJson("/api/users/me/notifications/read-all", TestTokens.user("read-hal"), "").statusCode()).isEqualTo(202);
        assertThat(count("AllNotificationsRead", "read-hal")).isEqualTo(1);
    }
}
