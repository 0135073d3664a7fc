package io.picflow.command.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.support.CommandSideTest;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Push devices through the API, against a real PostgreSQL: registering (the same token is the same device, a token
 * registered by another user moves to the caller), listing, removing, validation, the per-user limit, the cleanup of
 * deactivated devices and erasure. The token is a credential: it appears in no event.
 */
class DevicesApiTest extends CommandSideTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    Devices devices;

    @Test
    void a_device_is_registered_listed_and_the_same_token_is_the_same_device() {
        String token = token();
        HttpResponse<String> first = register("dev-ann", "fcm", token);
        assertThat(first.statusCode()).isEqualTo(201);
        JsonNode device = json(first.body());
        String deviceId = device.get("deviceId").asString();
        assertThat(UUID.fromString(deviceId)).isNotNull();
        assertThat(device.get("platform").asString()).isEqualTo("fcm");
        assertThat(device.get("active").asBoolean()).isTrue();
        assertThat(device.get("registeredAt").asString()).isNotBlank();
        assertThat(first.body()).doesNotContain(token);

        HttpResponse<String> again = register("dev-ann", "fcm", token);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again.body()).get("deviceId").asString()).isEqualTo(deviceId);

        assertThat(listed("dev-ann")).containsExactly(deviceId);
        assertThat(events("DeviceRegistered", deviceId)).hasSize(1);
        assertThat(eventsMentioning(token)).isZero();
    }

    @Test
    void a_token_registered_by_another_user_moves_to_them() {
        String token = token();
        String annsDevice = json(register("mv-ann", "apns", token).body()).get("deviceId").asString();

        HttpResponse<String> bobs = register("mv-bob", "apns", token);
        assertThat(bobs.statusCode()).isEqualTo(201);
        String bobsDevice = json(bobs.body()).get("deviceId").asString();

        assertThat(bobsDevice).isNotEqualTo(annsDevice);
        assertThat(listed("mv-ann")).isEmpty();
        assertThat(listed("mv-bob")).containsExactly(bobsDevice);
        // Ann's device went first, then Bob's came, in that order in the event store.
        List<String> order = jdbc.sql("SELECT payload_type || ' ' || (convert_from(payload, 'UTF8')::jsonb ->> 'userId') || ' ' "
                        + "|| coalesce(convert_from(payload, 'UTF8')::jsonb ->> 'reason', '') FROM domain_event_entry "
                        + "WHERE payload_type LIKE 'io.picflow.events.devices.%' "
                        + "AND convert_from(payload, 'UTF8')::jsonb ->> 'deviceId' IN (:ann, :bob) ORDER BY global_index")
                .param("ann", annsDevice).param("bob", bobsDevice).query(String.class).list();
        assertThat(order).containsExactly("io.picflow.events.devices.DeviceRegistered mv-ann ",
                "io.picflow.events.devices.DeviceRemoved mv-ann MOVED", "io.picflow.events.devices.DeviceRegistered mv-bob ");
        assertThat(eventsMentioning(token)).isZero();
    }

    @Test
    void a_device_is_removed_by_its_user_only() {
        String deviceId = json(register("rm-ann", "fcm", token()).body()).get("deviceId").asString();

        assertThat(delete("rm-bob", deviceId).statusCode()).isEqualTo(404);
        assertThat(listed("rm-ann")).containsExactly(deviceId);

        assertThat(delete("rm-ann", deviceId).statusCode()).isEqualTo(204);
        assertThat(listed("rm-ann")).isEmpty();
        assertThat(events("DeviceRemoved", deviceId)).containsExactly("REMOVED");
        assertThat(delete("rm-ann", deviceId).statusCode()).isEqualTo(404);
        assertThat(delete("rm-ann", "not-a-device").statusCode()).isEqualTo(404);
    }

    @Test
    void invalid_registrations_are_refused_naming_the_field() {
        String user = TestTokens.user("val-ann");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"token\":\"abc\"}"), "platform");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"gcm\",\"token\":\"abc\"}"), "platform");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\"}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\",\"token\":\"   \"}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\",\"token\":42}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\",\"token\":\"a b\"}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\",\"token\":\"ab\\u0007c\"}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user,
                "{\"platform\":\"fcm\",\"token\":\"" + "x".repeat(DevicesController.MAX_TOKEN + 1) + "\"}"), "token");
        assertProblem(api().postJson("/api/users/me/devices", user, "{\"platform\":\"fcm\",\"token\":\"abc\",\"name\":\"x\"}"), "name");
        assertProblem(api().postJson("/api/users/me/devices", user, "[]"), "body");
        assertThat(register("val-ann", "fcm", "x".repeat(DevicesController.MAX_TOKEN)).statusCode()).isEqualTo(201);
        assertThat(listed("val-ann")).hasSize(1);
    }

    @Test
    void past_the_limit_the_least_recently_active_device_makes_room() {
        String oldest = json(register("lim-ann", "fcm", token()).body()).get("deviceId").asString();
        for (int i = 1; i < devices.maxPerUser(); i++) {
            assertThat(register("lim-ann", "fcm", token()).statusCode()).isEqualTo(201);
        }
        assertThat(listed("lim-ann")).hasSize(devices.maxPerUser()).contains(oldest);

        String newest = json(register("lim-ann", "apns", token()).body()).get("deviceId").asString();

        assertThat(listed("lim-ann")).hasSize(devices.maxPerUser()).contains(newest).doesNotContain(oldest);
        assertThat(events("DeviceRemoved", oldest)).containsExactly("LIMIT");
    }

    @Test
    void a_deactivated_device_comes_back_when_registered_again_and_is_deleted_after_the_retention() {
        String token = token();
        String deviceId = json(register("ret-ann", "fcm", token).body()).get("deviceId").asString();
        assertThat(devices.deactivate(deviceId, "UNREGISTERED", "test")).isTrue();
        assertThat(devices.deactivate(deviceId, "UNREGISTERED", "test")).as("once only").isFalse();
        assertThat(json(api().get("/api/users/me/devices", TestTokens.user("ret-ann")).body()).get("items").get(0).get("active").asBoolean())
                .isFalse();
        assertThat(events("DeviceDeactivated", deviceId)).containsExactly("UNREGISTERED");

        HttpResponse<String> again = register("ret-ann", "fcm", token);
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(json(again.body()).get("deviceId").asString()).isEqualTo(deviceId);
        assertThat(json(again.body()).get("active").asBoolean()).isTrue();
        assertThat(events("DeviceRegistered", deviceId)).hasSize(2);

        String stale = json(register("ret-ann", "fcm", token()).body()).get("deviceId").asString();
        devices.deactivate(deviceId, "UNREGISTERED", "test");
        devices.deactivate(stale, "BAD_DEVICE_TOKEN", "test");
        jdbc.sql("UPDATE device SET deactivated_at = now() - interval '31 days' WHERE device_id = :id").param("id", stale).update();

        assertThat(DevicesRetention.removeAll(devices, Duration.ofDays(30))).isGreaterThanOrEqualTo(1);

        assertThat(listed("ret-ann")).containsExactly(deviceId); // deactivated yesterday, not a month ago: kept
        assertThat(events("DeviceRemoved", stale)).containsExactly("INACTIVE");
    }

    @Test
    void erasure_deletes_the_users_devices_and_their_tokens() {
        String token = token();
        assertThat(api().postJson("/api/users", TestTokens.user("er-ann"), "{\"displayName\":\"Ann\"}").statusCode()).isEqualTo(202);
        String deviceId = json(register("er-ann", "apns", token).body()).get("deviceId").asString();

        assertThat(api().send("DELETE", "/api/users/me", TestTokens.user("er-ann"), HttpRequest.BodyPublishers.noBody()).statusCode())
                .isEqualTo(202);

        assertThat(jdbc.sql("SELECT count(*) FROM device WHERE user_id = 'er-ann' OR device_id = :id").param("id", deviceId)
                .query(Long.class).single()).isZero();
        assertThat(register("er-ann", "apns", token()).statusCode()).isEqualTo(410);
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("SELECT count(*) FROM domain_event_entry "
                + "WHERE payload_type = 'io.picflow.events.users.UserErased'").query(Long.class).single() > 0);
        assertThat(eventsMentioning(token)).isZero();
    }

    private HttpResponse<String> register(String user, String platform, String token) {
        return api().postJson("/api/users/me/devices", TestTokens.user(user),
                "{\"platform\":\"" + platform + "\",\"token\":\"" + token + "\"}");
    }

    private HttpResponse<String> delete(String user, String deviceId) {
        return api().send("DELETE", "/api/users/me/devices/" + deviceId, TestTokens.user(user), HttpRequest.BodyPublishers.noBody());
    }

    private List<String> listed(String user) {
        HttpResponse<String> response = api().get("/api/users/me/devices", TestTokens.user(user));
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> ids = new java.util.ArrayList<>();
        json(response.body()).get("items").forEach(item -> ids.add(item.get("deviceId").asString()));
        return ids;
    }

    /** The reasons (or empty strings) of the device's events of that type, in order. */
    private List<String> events(String type, String deviceId) {
        return jdbc.sql("SELECT coalesce(convert_from(payload, 'UTF8')::jsonb ->> 'reason', '') FROM domain_event_entry "
                        + "WHERE payload_type = :type AND convert_from(payload, 'UTF8')::jsonb ->> 'deviceId' = :id ORDER BY global_index")
                .param("type", "io.picflow.events.devices." + type).param("id", deviceId).query(String.class).list();
    }

    /** Events whose payload or metadata contains {@code text} anywhere. */
    private long eventsMentioning(String text) {
        return jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE position(:text IN convert_from(payload, 'UTF8')) > 0 "
                        + "OR position(:text IN convert_from(meta_data, 'UTF8')) > 0")
                .param("text", text).query(Long.class).single();
    }

    private static void assertProblem(HttpResponse<String> response, String field) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response.body()).get("detail").asString()).startsWith(field + ":");
    }

    private static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    /** An FCM-like token, unique per call. */
    private static String token() {
        return "tok" + UUID.randomUUID().toString().replace("-", "") + ":APA91b" + UUID.randomUUID().toString().replace("-", "");
    }
}
