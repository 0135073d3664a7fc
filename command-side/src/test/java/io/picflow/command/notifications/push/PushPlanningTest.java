package io.picflow.command.notifications.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A notification's push as the planner records it, end to end: a favorite notifies its target on each of their active
 * devices (one delivery each, to the device's provider), a user without one is skipped, and a push digest is collected
 * per device. The tokens stay in the device table: never in a delivery, never in an event.
 */
class PushPlanningTest extends PushTestSupport {

    @Test
    void a_favorite_is_pushed_to_each_active_device_of_its_target_through_its_provider() {
        register("pp-ann", "Ann");
        register("pp-bob", "Bob");
        pushFavorited("pp-ann", "off");
        String fcmToken = token("fcm");
        String apnsToken = token("apns");
        String fcmDevice = device("pp-ann", "fcm", fcmToken);
        String apnsDevice = device("pp-ann", "apns", apnsToken);
        String removed = device("pp-ann", "fcm", token("fcm"));
        assertThat(api().send("DELETE", "/api/users/me/devices/" + removed, TestTokens.user("pp-ann"),
                HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(204);

        favorite("pp-bob", "pp-ann");

        await().atMost(Duration.ofSeconds(30)).until(() -> pushes("pp-ann").size() == 2
                && pushes("pp-ann").stream().allMatch(push -> push.startsWith("SENT ")));
        String notificationId = jdbc.sql("SELECT aggregate_identifier FROM domain_event_entry WHERE payload_type = "
                + "'io.picflow.events.notifications.NotificationCreated' AND convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' = 'pp-ann'")
                .query(String.class).single();
        assertThat(pushes("pp-ann")).containsExactlyInAnyOrder(
                "SENT fcm " + notificationId + ":push:" + fcmDevice, "SENT apns " + notificationId + ":push:" + apnsDevice);
        assertThat(FCM.acceptedTo(fcmToken)).isEqualTo(1);
        assertThat(APNS.acceptedTo(apnsToken)).isEqualTo(1);
        assertThat(JSON.readTree(FCM.sendsTo(fcmToken).get(0).request().getBody().utf8()).get("message").get("notification")
                .get("title").asString()).isEqualTo("Bob favorited you on picflow");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = "
                + "'io.picflow.events.notifications.NotificationDelivered' AND convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' = 'pp-ann' "
                + "AND convert_from(payload, 'UTF8')::jsonb ->> 'channel' = 'push'").query(Long.class).single() == 2);
        for (String token : List.of(fcmToken, apnsToken)) {
            assertThat(eventsMentioning(token)).isZero();
            assertThat(jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE position(:token IN payload) > 0").param("token", token)
                    .query(Long.class).single()).isZero();
        }
    }

    @Test
    void a_user_without_an_active_device_is_skipped() {
        register("pp-cat", "Cat");
        register("pp-dan", "Dan");
        pushFavorited("pp-cat", "off");
        String deactivated = device("pp-cat", "apns", token("apns"));
        jdbc.sql("UPDATE device SET active = false WHERE device_id = :id").param("id", deactivated).update();

        favorite("pp-dan", "pp-cat");

        await().atMost(Duration.ofSeconds(30)).until(() -> !pushes("pp-cat").isEmpty());
        assertThat(jdbc.sql("SELECT status || ' ' || reason || ' ' || delivery_id FROM outbound_delivery WHERE user_id = 'pp-cat' "
                + "AND channel = 'push'").query(String.class).single()).matches("SKIPPED NO_VERIFIED_ADDRESS notif-[0-9a-f]{64}:push");
    }

    @Test
    void a_push_digest_is_collected_for_each_device_and_sent_to_it_when_its_window_ends() {
        register("pp-eve", "Eve");
        register("pp-fay", "Fay");
        pushFavorited("pp-eve", "hourly");
        String token = token("fcm");
        String deviceId = device("pp-eve", "fcm", token);

        favorite("pp-fay", "pp-eve");

        await().atMost(Duration.ofSeconds(30)).until(() -> !pushes("pp-eve").isEmpty());
        String digest = jdbc.sql("SELECT delivery_id FROM outbound_delivery WHERE user_id = 'pp-eve' AND channel = 'push'")
                .query(String.class).single();
        assertThat(digest).matches("digest:.+:push:\\d+:" + deviceId);
        assertThat(pushes("pp-eve")).containsExactly("HELD fcm " + digest);

        jdbc.sql("UPDATE outbound_delivery SET due_at = now() WHERE delivery_id = :id").param("id", digest).update(); // the window ends

        assertThat(awaitSettled(digest)).isEqualTo("SENT - 1");
        assertThat(JSON.readTree(FCM.sendsTo(token).get(0).request().getBody().utf8()).get("message").get("notification")
                .get("title").asString()).isEqualTo("Your picflow digest: 1 notification");
    }

    /** Each push delivery of the user: "status target id". */
    private List<String> pushes(String user) {
        return jdbc.sql("SELECT status || ' ' || target || ' ' || delivery_id FROM outbound_delivery WHERE user_id = :user "
                + "AND channel = 'push'").param("user", user).query(String.class).list();
    }

    private void register(String user, String name) {
        assertThat(api().postJson("/api/users", TestTokens.user(user), "{\"displayName\":\"" + name + "\"}").statusCode()).isEqualTo(202);
    }

    private void favorite(String actor, String target) {
        assertThat(api().postJson("/api/users/me/favorites", TestTokens.user(actor), "{\"userId\":\"" + target + "\"}").statusCode())
                .isEqualTo(202);
    }

    /** FAVORITED by push only ({@code digest}: off, hourly or daily), everything else in-app. */
    private void pushFavorited(String user, String digest) {
        StringBuilder triggers = new StringBuilder();
        for (String trigger : List.of("FAVORITED", "MUTUAL_FAVORITE", "IMAGE_FAVORITED", "DOWNLOAD_COMPLETED", "DOWNLOAD_FAILED")) {
            triggers.append(triggers.length() == 0 ? "" : ",").append("\"").append(trigger).append("\":{\"in_app\":true,\"email\":false,")
                    .append("\"sms\":false,\"push\":").append(trigger.equals("FAVORITED")).append("}");
        }
        String document = "{\"timeZone\":\"UTC\",\"quietHours\":null,\"channels\":{\"in_app\":{\"enabled\":true},"
                + "\"email\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"},"
                + "\"sms\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"},"
                + "\"push\":{\"enabled\":true,\"digest\":\"" + digest + "\",\"digestAt\":\"08:00\"}},\"triggers\":{" + triggers + "}}";
        assertThat(api().send("PUT", "/api/users/me/notification-preferences", TestTokens.user(user),
                HttpRequest.BodyPublishers.ofString(document), "Content-Type", "application/json").statusCode()).isEqualTo(202);
    }
}
