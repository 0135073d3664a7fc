package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.support.CommandSideTest;
import io.picflow.devservices.TestTokens;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Notifications end to end on the command side: a real PostgreSQL, the real trigger processor and outbound
 * dispatcher, and email into the embedded SMTP server (GreenMail) over SMTP.
 */
class NotificationsApiTest extends CommandSideTest {

    private static final Pattern CODE = Pattern.compile("Your code is (\\d{6})");

    @Autowired
    EmbeddedMailServer mailServer;

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
        assertThat(text(mail)).contains("(CET)"); // the time in Eve's zone

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

    // --- helpers ---

    static String preferences(String zone, String quietHours, boolean favoritedByEmail, String emailDigest) {
        String channels = "{\"in_app\":{\"enabled\":true,\"available\":true},"
                + "\"email\":{\"enabled\":true,\"available\":true,\"digest\":\"" + emailDigest + "\",\"digestAt\":\"08:00\"},"
                + "\"sms\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"},"
                + "\"push\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"}}";
        StringBuilder triggers = new StringBuilder("{");
        for (String trigger : List.of("FAVORITED", "MUTUAL_FAVORITE", "IMAGE_FAVORITED", "DOWNLOAD_COMPLETED", "DOWNLOAD_FAILED")) {
            boolean email = trigger.equals("FAVORITED") ? favoritedByEmail : trigger.equals("MUTUAL_FAVORITE");
            triggers.append(triggers.length() > 1 ? "," : "").append("\"").append(trigger).append("\":{\"in_app\":true,\"email\":")
                    .append(email).append(",\"sms\":false,\"push\":false}");
        }
        return "{\"timeZone\":\"" + zone + "\",\"quietHours\":" + quietHours + ",\"channels\":" + channels + ",\"triggers\":"
                + triggers.append("}") + "}";
    }

    void register(String userId, String name, String email) {
        String body = email == null ? "{\"displayName\":\"" + name + "\"}" : "{\"displayName\":\"" + name + "\",\"email\":\"" + email + "\"}";
        assertThat(api().postJson("/api/users", TestTokens.user(userId), body).statusCode()).isEqualTo(202);
    }

    void verifyEmail(String userId, String email) throws Exception {
        String token = TestTokens.user(userId);
        assertThat(put("/api/users/me/contact", token, "{\"email\":\"" + email + "\"}").statusCode()).isEqualTo(202);
        if (api().get("/api/users/me/contact", token).body().contains("\"emailVerified\":true")) {
            return;
        }
        // Registered with this address: unverified, and no code yet (a PUT of the same address changes nothing).
        if (jdbc.sql("SELECT count(*) FROM contact_code WHERE user_id = :user").param("user", userId).query(Long.class).single() == 0) {
            put("/api/users/me/contact", token, "{\"email\":null}");
            put("/api/users/me/contact", token, "{\"email\":\"" + email + "\"}");
        }
        String code = awaitCode(email);
        assertThat(api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + code + "\"}").statusCode()).isEqualTo(204);
    }

    HttpResponse<String> favorite(String actor, String target) {
        return api().postJson("/api/users/me/favorites", TestTokens.user(actor), "{\"userId\":\"" + target + "\"}");
    }

    HttpResponse<String> put(String path, String token, String json) {
        return api().send("PUT", path, token, HttpRequest.BodyPublishers.ofString(json), "Content-Type", "application/json");
    }

    String awaitCode(String address) {
        MimeMessage mail = awaitMail(address, "Your picflow verification code");
        Matcher matcher = CODE.matcher(text(mail));
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    MimeMessage awaitMail(String address, String subject) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> mailsTo(address).stream()
                .filter(m -> subject(m).equals(subject)).reduce((a, b) -> b).orElse(null), java.util.Objects::nonNull);
    }

    List<MimeMessage> mailsTo(String address) {
        return mailServer.received().stream().filter(m -> {
            try {
                return Arrays.stream(m.getAllRecipients()).anyMatch(r -> r.toString().equals(address));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(MimeMessage message) {
        try {
            return MailText.plain(message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> createdFor(String recipient) {
        return jdbc.sql("SELECT convert_from(payload, 'UTF8')::jsonb ->> 'trigger' FROM domain_event_entry "
                        + "WHERE payload_type = 'io.picflow.events.notifications.NotificationCreated' "
                        + "AND convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' = :user")
                .param("user", recipient).query(String.class).list();
    }

    List<String> notificationIdsFor(String recipient) {
        return jdbc.sql("SELECT aggregate_identifier FROM domain_event_entry "
                        + "WHERE payload_type = 'io.picflow.events.notifications.NotificationCreated' "
                        + "AND convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' = :user")
                .param("user", recipient).query(String.class).list();
    }

    long count(String eventType, String user) {
        return jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = :type "
                        + "AND (convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' = :user "
                        + "OR convert_from(payload, 'UTF8')::jsonb ->> 'userId' = :user)")
                .param("type", "io.picflow.events.notifications." + eventType).param("user", user).query(Long.class).single();
    }

    List<Map<String, String>> deliveries(String user, String channel) {
        return jdbc.sql("SELECT status, coalesce(reason, '') FROM outbound_delivery WHERE user_id = :user AND channel = :channel")
                .param("user", user).param("channel", channel)
                .query((row, i) -> Map.of("status", row.getString(1), "reason", row.getString(2))).list();
    }
}
