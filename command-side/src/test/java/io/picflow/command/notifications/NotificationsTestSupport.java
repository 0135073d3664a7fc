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
import org.springframework.beans.factory.annotation.Autowired;

/** What the notifications tests share: users, favorites, verified addresses, and the embedded mailbox. */
abstract class NotificationsTestSupport extends CommandSideTest {

    private static final Pattern CODE = Pattern.compile("Your code is (\\d{6})");

    @Autowired
    EmbeddedMailServer mailServer;

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

    /**
     * Waits, if need be, until a minute or more is left in the current hour (UTC): for tests whose notifications must
     * fall into the same hourly window as each other.
     */
    static void awaitClearOfTheHour() {
        await().atMost(Duration.ofSeconds(70)).pollInterval(Duration.ofSeconds(1)).until(() ->
                java.time.Instant.now().until(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1)),
                        java.time.temporal.ChronoUnit.SECONDS) >= 60);
    }

    /** Verifies the address: giving the current, unverified one again (as after registering with it) sends a code. */
    void verifyEmail(String userId, String email) throws Exception {
        String token = TestTokens.user(userId);
        assertThat(put("/api/users/me/contact", token, "{\"email\":\"" + email + "\"}").statusCode()).isEqualTo(202);
        String code = awaitCode(email);
        assertThat(api().postJson("/api/users/me/contact/email/verify", token, "{\"code\":\"" + code + "\"}").statusCode()).isEqualTo(204);
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"emailVerified\":true");
        // Sent and settled: the plain code is gone from the delivery log.
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE user_id = :user "
                + "AND delivery_id LIKE 'verify:%' AND payload LIKE '%code%'").param("user", userId).query(Long.class).single() == 0);
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
