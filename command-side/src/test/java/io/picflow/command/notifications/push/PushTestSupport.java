package io.picflow.command.notifications.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.outbound.OutboundDeliveries;
import io.picflow.command.support.CommandSideTest;
import io.picflow.command.users.UserIds;
import io.picflow.devservices.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The command side with both push providers configured, each a stand-in on this machine (FCM over HTTP, APNs over TLS
 * and HTTP/2), the engine's retries in milliseconds and the breakers' wait a second: one application context for every
 * push test. Deliveries are recorded here as the planner records them, one per device.
 */
abstract class PushTestSupport extends CommandSideTest {

    static final Path KEYS = temporaryDirectory();
    static final FakeFcm FCM = new FakeFcm(KEYS);
    static final FakeApns APNS = new FakeApns(KEYS);
    static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    OutboundDeliveries deliveries;

    @DynamicPropertySource
    static void pushProviders(DynamicPropertyRegistry registry) {
        registry.add("picflow.notifications.fcm.base-url", FCM::baseUrl);
        registry.add("picflow.notifications.fcm.project-id", () -> FakeFcm.PROJECT);
        registry.add("picflow.notifications.fcm.credentials-file", FCM.credentials::toString);
        registry.add("picflow.notifications.apns.base-url", APNS::baseUrl);
        registry.add("picflow.notifications.apns.team-id", () -> FakeApns.TEAM);
        registry.add("picflow.notifications.apns.key-id", () -> FakeApns.KEY_ID);
        registry.add("picflow.notifications.apns.private-key-file", APNS.privateKey::toString);
        registry.add("picflow.notifications.apns.topic", () -> FakeApns.TOPIC);
        registry.add("picflow.notifications.push.trust-store", APNS.trustStore::toString);
        registry.add("picflow.notifications.push.trust-store-password", () -> FakeApns.PASSWORD);
        registry.add("picflow.outbound.retry.first", () -> "100ms");
        registry.add("picflow.outbound.retry.max", () -> "2s");
        registry.add("picflow.outbound.poll-interval", () -> "1s");
        registry.add("picflow.breakers.wait-in-open", () -> "1s");
    }

    /** Under target/, as the test services' data: the build's clean removes the test's keys. */
    private static Path temporaryDirectory() {
        try {
            return Files.createDirectories(Path.of("target", "push-keys-" + ProcessHandle.current().pid()).toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token unique to the test, shaped as the platform's. */
    static String token(String platform) {
        String random = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        return platform.equals("apns") ? random : "f" + random.substring(0, 20) + ":APA91b" + random;
    }

    /** Registers the device through the API: its id. */
    String device(String user, String platform, String token) {
        HttpResponse<String> response = api().postJson("/api/users/me/devices", TestTokens.user(user),
                "{\"platform\":\"" + platform + "\",\"token\":\"" + token + "\"}");
        assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
        return JSON.readTree(response.body()).get("deviceId").asString();
    }

    /** Records a FAVORITED notification's push to the device, as the planner does: the delivery's id. */
    String deliver(String user, String deviceId, String platform) {
        return deliver(user, deviceId, platform, "FAVORITED");
    }

    String deliver(String user, String deviceId, String platform, String trigger) {
        String notificationId = "notif-" + UserIds.sha256(UUID.randomUUID().toString());
        String deliveryId = notificationId + ":push:" + deviceId;
        String payload = JSON.createObjectNode().put("kind", "notification").put("userId", user).put("notificationId", notificationId)
                .put("trigger", trigger).putNull("actorId").put("createdAt", Instant.now().toString()).put("deviceId", deviceId)
                .toString();
        deliveries.record(OutboundDeliveries.NewDelivery.now(deliveryId, "push", platform, null, payload).forUser(user));
        return deliveryId;
    }

    /** Waits until the delivery is sent or failed for good: its status, error code and attempts, as "FAILED X 1". */
    String awaitSettled(String deliveryId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("SENT", "FAILED").contains(status(deliveryId)));
        return settled(deliveryId);
    }

    String settled(String deliveryId) {
        return jdbc.sql("SELECT status || ' ' || coalesce(error_code, '-') || ' ' || attempts FROM outbound_delivery WHERE delivery_id = :id")
                .param("id", deliveryId).query(String.class).single();
    }

    String status(String deliveryId) {
        return jdbc.sql("SELECT status FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId).query(String.class).single();
    }

    /** The device as stored: "active failures reason", such as "true 0 -" or "false 0 UNREGISTERED". */
    String deviceState(String deviceId) {
        return jdbc.sql("SELECT active || ' ' || consecutive_failures || ' ' || coalesce(deactivated_reason, '-') FROM device "
                + "WHERE device_id = :id").param("id", deviceId).query(String.class).single();
    }

    /** The reasons of the device's events of that type ({@code DeviceDeactivated}, ...), in order. */
    List<String> deviceEvents(String type, String deviceId) {
        return jdbc.sql("SELECT coalesce(convert_from(payload, 'UTF8')::jsonb ->> 'reason', '') FROM domain_event_entry "
                        + "WHERE payload_type = :type AND convert_from(payload, 'UTF8')::jsonb ->> 'deviceId' = :id ORDER BY global_index")
                .param("type", "io.picflow.events.devices." + type).param("id", deviceId).query(String.class).list();
    }

    /** Each attempt's outcome and status code, in order: "TRANSIENT 503", "SENT 200". */
    List<String> attempts(String deliveryId) {
        return jdbc.sql("SELECT outcome || ' ' || coalesce(CAST(status_code AS TEXT), '-') FROM outbound_attempt WHERE delivery_id = :id "
                + "ORDER BY attempt").param("id", deliveryId).query(String.class).list();
    }

    /** When each attempt of the delivery was recorded, in order. */
    List<Instant> attemptTimes(String deliveryId) {
        return jdbc.sql("SELECT at FROM outbound_attempt WHERE delivery_id = :id ORDER BY attempt").param("id", deliveryId)
                .query((row, i) -> row.getTimestamp(1).toInstant()).list();
    }

    /** Events whose payload or metadata contains {@code text} anywhere. */
    long eventsMentioning(String text) {
        return jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE position(:text IN convert_from(payload, 'UTF8')) > 0 "
                        + "OR position(:text IN convert_from(meta_data, 'UTF8')) > 0")
                .param("text", text).query(Long.class).single();
    }
}
