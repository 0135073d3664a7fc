package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded run (dev tokens on) without FCM or APNs: push is available all the same, and what it would have sent to
 * each device is listed by {@code GET /api/dev/outbox}, to the device's id, never its token.
 */
@DirtiesContext
class PushDevOutboxTest extends NotificationsTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void embedded(DynamicPropertyRegistry registry) {
        registry.add("picflow.security.dev-tokens", () -> "true");
    }

    @Test
    void without_a_provider_the_embedded_run_lists_each_devices_push_in_the_dev_outbox() {
        register("pdo-ann", "Ann", null);
        register("pdo-bob", "Bob", null);
        String ann = TestTokens.user("pdo-ann");
        String document = preferences("UTC", "null", false, "off").replace("\"FAVORITED\":{\"in_app\":true,\"email\":false,\"sms\":false,\"push\":false}",
                "\"FAVORITED\":{\"in_app\":true,\"email\":false,\"sms\":false,\"push\":true}");
        assertThat(put("/api/users/me/notification-preferences", ann, document).statusCode()).isEqualTo(202);
        String fcmToken = "fdev:APA91b" + "x".repeat(40);
        String apnsToken = "a0".repeat(32);
        String fcmDevice = JSON.readTree(api().postJson("/api/users/me/devices", ann, "{\"platform\":\"fcm\",\"token\":\"" + fcmToken + "\"}")
                .body()).get("deviceId").asString();
        String apnsDevice = JSON.readTree(api().postJson("/api/users/me/devices", ann, "{\"platform\":\"apns\",\"token\":\"" + apnsToken + "\"}")
                .body()).get("deviceId").asString();

        assertThat(favorite("pdo-bob", "pdo-ann").statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> pushes().size() == 2);
        List<String> seen = new ArrayList<>();
        for (JsonNode push : pushes()) {
            seen.add(push.get("provider").asString() + " " + push.get("to").asString());
            assertThat(push.get("title").asString()).isEqualTo("Bob favorited you on picflow");
            assertThat(push.get("body").asString()).startsWith("Bob favorited you on picflow - ");
            assertThat(push.get("deliveryId").asString()).contains(":push:" + push.get("to").asString());
            assertThat(push.toString()).doesNotContain(fcmToken).doesNotContain(apnsToken);
        }
        assertThat(seen).containsExactlyInAnyOrder("fcm-dev-outbox " + fcmDevice, "apns-dev-outbox " + apnsDevice);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE user_id = 'pdo-ann' "
                + "AND channel = 'push' AND status = 'SENT'").query(Long.class).single() == 2);
    }

    private List<JsonNode> pushes() {
        HttpResponse<String> response = api().get("/api/dev/outbox", null);
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> pushes = new ArrayList<>();
        JSON.readTree(response.body()).get("messages").forEach(entry -> {
            if (entry.get("channel").asString().equals("push")) {
                pushes.add(entry);
            }
        });
        return pushes;
    }
}
