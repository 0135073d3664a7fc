package io.picflow.command.notifications.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.picflow.command.users.UserIds;
import io.picflow.platform.resilience.Breakers;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Push through APNs against a stand-in that speaks TLS and HTTP/2 as Apple does, through the real engine: the request,
 * its headers and provider token, then each rule of the device lifecycle on its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class ApnsTransportTest extends PushTestSupport {

    @Autowired
    Breakers breakers;

    @Test
    @Order(1)
    void a_push_goes_to_apns_over_http2_with_a_provider_token_and_resets_the_devices_failures() throws Exception {
        String token = token("apns");
        String deviceId = device("apns-ann", "apns", token);
        jdbc.sql("UPDATE device SET consecutive_failures = 2 WHERE device_id = :id").param("id", deviceId).update();

        String deliveryId = deliver("apns-ann", deviceId, "apns");

        assertThat(awaitSettled(deliveryId)).isEqualTo("SENT - 1");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
        RecordedRequest request = APNS.sendsTo(token).get(0).request();
        assertThat(request.getHandshake()).as("TLS").isNotNull();
        assertThat(request.getVersion()).isEqualTo("HTTP/2");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/3/device/" + token);
        Headers headers = request.getHeaders();
        assertThat(headers.get("apns-topic")).isEqualTo(FakeApns.TOPIC);
        assertThat(headers.get("apns-push-type")).isEqualTo("alert");
        assertThat(headers.get("apns-priority")).isEqualTo("10");
        String notificationId = deliveryId.substring(0, deliveryId.indexOf(':'));
        assertThat(headers.get("apns-collapse-id")).isEqualTo(UserIds.sha256(notificationId)).hasSizeLessThanOrEqualTo(64);
        String apnsId = UUID.nameUUIDFromBytes(deliveryId.getBytes(StandardCharsets.UTF_8)).toString();
        assertThat(headers.get("apns-id")).isEqualTo(apnsId);
        assertThat(jdbc.sql("SELECT provider_id FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId)
                .query(String.class).single()).isEqualTo(apnsId);
        JsonNode body = JSON.readTree(request.getBody().utf8());
        assertThat(body.get("aps").get("alert").get("title").asString()).isEqualTo("Someone favorited you on picflow");
        assertThat(body.get("aps").get("alert").get("body").asString()).startsWith("Someone favorited you on picflow - ");
        assertThat(body.get("notificationId").asString()).isEqualTo(notificationId);

        assertThat(headers.get("authorization")).startsWith("bearer ");
        SignedJWT jwt = SignedJWT.parse(headers.get("authorization").substring("bearer ".length()));
        assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) APNS.signingKey.getPublic()))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(FakeApns.KEY_ID);
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(FakeApns.TEAM);
        assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isBetween(Instant.now().minusSeconds(120), Instant.now());

        // A low-priority notification goes at priority 5, with the same provider token (one per 50 minutes at most).
        assertThat(awaitSettled(deliver("apns-ann", deviceId, "apns", "DOWNLOAD_COMPLETED"))).isEqualTo("SENT - 1");
        RecordedRequest second = APNS.sendsTo(token).get(1).request();
        assertThat(second.getHeaders().get("apns-priority")).isEqualTo("5");
        assertThat(second.getHeaders().get("authorization")).isEqualTo(headers.get("authorization"));
        assertThat(eventsMentioning(token)).isZero();
    }

    @Test
    @Order(2)
    void a_token_apns_calls_invalid_deactivates_the_device_at_once_without_a_retry(CapturedOutput output) {
        Map<String, MockResponse> verdicts = Map.of(
                "UNREGISTERED", FakeApns.error(410, "Unregistered"),
                "BAD_DEVICE_TOKEN", FakeApns.error(400, "BadDeviceToken"),
                "DEVICE_TOKEN_NOT_FOR_TOPIC", FakeApns.error(400, "DeviceTokenNotForTopic"));
        List<String> reasons = new ArrayList<>(verdicts.keySet());
        List<String> tokens = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        List<String> made = new ArrayList<>();
        for (String reason : reasons) {
            String token = token("apns");
            APNS.answer(token, verdicts.get(reason));
            tokens.add(token);
            devices.add(device("apns-bea", "apns", token));
            made.add(deliver("apns-bea", devices.get(devices.size() - 1), "apns"));
        }
        for (int i = 0; i < reasons.size(); i++) {
            assertThat(awaitSettled(made.get(i))).as(reasons.get(i)).isEqualTo("FAILED DEVICE_TOKEN_INVALID 1");
            assertThat(deviceState(devices.get(i))).isEqualTo("false 0 " + reasons.get(i));
            assertThat(deviceEvents("DeviceDeactivated", devices.get(i))).containsExactly(reasons.get(i));
            assertThat(APNS.sendsTo(tokens.get(i))).hasSize(1);
        }
        assertThat(tokens).noneMatch(output.getAll()::contains); // tokens are credentials: never logged
    }

    @Test
    @Order(3)
    void five_429s_in_a_row_for_one_device_deactivate_it_and_do_not_count_against_apns() {
        String token = token("apns");
        String deviceId = device("apns-cat", "apns", token);
        MockResponse tooMany = FakeApns.error(429, "TooManyRequests");
        APNS.answer(token, tooMany, tooMany, tooMany, tooMany, tooMany);
        long failedCalls = breakers.get("apns").getMetrics().getNumberOfFailedCalls();

        String deliveryId = deliver("apns-cat", deviceId, "apns");

        assertThat(awaitSettled(deliveryId)).isEqualTo("FAILED DEVICE_DEACTIVATED 5");
        assertThat(attempts(deliveryId)).containsExactly("TRANSIENT 429", "TRANSIENT 429", "TRANSIENT 429", "TRANSIENT 429", "PERMANENT 429");
        assertThat(deviceState(deviceId)).isEqualTo("false 5 TOO_MANY_FAILURES");
        assertThat(deviceEvents("DeviceDeactivated", deviceId)).containsExactly("TOO_MANY_FAILURES");
        assertThat(APNS.sendsTo(token)).hasSize(5).allMatch(send -> send.request().getHeaders().get("apns-id")
                .equals(APNS.sendsTo(token).get(0).request().getHeaders().get("apns-id")));
        assertThat(breakers.get("apns").getMetrics().getNumberOfFailedCalls()).isEqualTo(failedCalls);
    }

    @Test
    @Order(4)
    void a_success_starts_the_devices_count_of_failures_again() {
        String token = token("apns");
        String deviceId = device("apns-dan", "apns", token);
        MockResponse tooMany = FakeApns.error(429, "TooManyRequests");
        APNS.answer(token, tooMany, tooMany, tooMany, tooMany);

        assertThat(awaitSettled(deliver("apns-dan", deviceId, "apns"))).isEqualTo("SENT - 5");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");

        APNS.answer(token, tooMany, tooMany, tooMany, tooMany);
        assertThat(awaitSettled(deliver("apns-dan", deviceId, "apns"))).as("four more in a row are not five").isEqualTo("SENT - 5");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
    }

    @Test
    @Order(5)
    void apns_unavailable_is_retried_as_it_asks_and_the_device_is_not_blamed() {
        String token = token("apns");
        String deviceId = device("apns-eve", "apns", token);
        APNS.answer(token, new MockResponse.Builder(FakeApns.error(503, "ServiceUnavailable")).setHeader("Retry-After", "1").build());
        String deliveryId = deliver("apns-eve", deviceId, "apns");

        assertThat(awaitSettled(deliveryId)).isEqualTo("SENT - 2");
        assertThat(attempts(deliveryId)).containsExactly("TRANSIENT 503", "SENT 200");
        List<Instant> attempts = attemptTimes(deliveryId);
        assertThat(Duration.between(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
    }

    @Test
    @Order(6)
    void a_payload_error_of_ours_fails_the_delivery_and_leaves_the_device_alone() {
        String token = token("apns");
        String deviceId = device("apns-fay", "apns", token);
        APNS.answer(token, FakeApns.error(413, "PayloadTooLarge"), FakeApns.error(400, "BadTopic"));

        String tooLarge = deliver("apns-fay", deviceId, "apns");
        assertThat(awaitSettled(tooLarge)).isEqualTo("FAILED APNS_REJECTED 1");
        String badTopic = deliver("apns-fay", deviceId, "apns");
        assertThat(awaitSettled(badTopic)).isEqualTo("FAILED APNS_REJECTED 1");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
        assertThat(deviceEvents("DeviceDeactivated", deviceId)).isEmpty();
    }

    @Test
    @Order(7)
    void while_apns_is_down_its_pushes_are_held_and_each_goes_once_it_is_back(CapturedOutput output) {
        List<String> tokens = new ArrayList<>();
        List<String> made = new ArrayList<>();
        APNS.down = FakeApns.error(500, "InternalServerError");
        try {
            for (int i = 0; i < 12; i++) {
                String token = token("apns");
                tokens.add(token);
                made.add(deliver("apns-gus", device("apns-gus", "apns", token), "apns"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> breakers.get("apns").getState() == CircuitBreaker.State.OPEN);
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE delivery_id IN (:ids) "
                    + "AND status = 'HELD' AND reason = 'PROVIDER_UNAVAILABLE'").param("ids", made).query(Long.class).single() > 0);
        } finally {
            APNS.down = null;
        }
        for (String deliveryId : made) {
            assertThat(awaitSettled(deliveryId)).startsWith("SENT ");
        }
        for (String token : tokens) {
            assertThat(APNS.acceptedTo(token)).isEqualTo(1);
        }
        assertThat(output.getAll()).contains("Circuit breaker apns opened"); // the log is captured: what it lacks, it lacks
        assertThat(tokens).noneMatch(output.getAll()::contains);
        assertThat(jdbc.sql("SELECT count(*) FROM device WHERE user_id = 'apns-gus' AND (NOT active OR consecutive_failures > 0)")
                .query(Long.class).single()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> breakers.get("apns").getState() == CircuitBreaker.State.CLOSED);
    }
}
