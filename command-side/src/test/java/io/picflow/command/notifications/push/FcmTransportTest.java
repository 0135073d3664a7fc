package io.picflow.command.notifications.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.picflow.platform.resilience.Breakers;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
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
 * Push through FCM HTTP v1 against a stand-in of FCM and of Google's token endpoint, through the real engine: the
 * request and its OAuth token, then each rule of the device lifecycle on its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class FcmTransportTest extends PushTestSupport {

    @Autowired
    Breakers breakers;

    @Test
    @Order(1)
    void a_push_goes_to_fcm_with_an_access_token_of_the_service_account_and_resets_the_devices_failures() throws Exception {
        String token = token("fcm");
        String deviceId = device("fcm-ann", "fcm", token);
        jdbc.sql("UPDATE device SET consecutive_failures = 3 WHERE device_id = :id").param("id", deviceId).update();

        String deliveryId = deliver("fcm-ann", deviceId, "fcm");

        assertThat(awaitSettled(deliveryId)).isEqualTo("SENT - 1");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
        assertThat(jdbc.sql("SELECT provider_id FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId)
                .query(String.class).single()).startsWith("projects/" + FakeFcm.PROJECT + "/messages/");
        FakePushProvider.Send send = FCM.sendsTo(token).get(0);
        assertThat(send.request().getMethod()).isEqualTo("POST");
        assertThat(send.request().getUrl().encodedPath()).isEqualTo("/v1/projects/" + FakeFcm.PROJECT + "/messages:send");
        assertThat(send.request().getHeaders().get("Authorization")).matches("Bearer at-\\d+");
        JsonNode message = JSON.readTree(send.request().getBody().utf8()).get("message");
        assertThat(message.get("token").asString()).isEqualTo(token);
        assertThat(message.get("notification").get("title").asString()).isEqualTo("Someone favorited you on picflow");
        assertThat(message.get("notification").get("body").asString()).startsWith("Someone favorited you on picflow - ");
        assertThat(message.get("data").get("notificationId").asString()).isEqualTo(deliveryId.substring(0, deliveryId.indexOf(':')));
        assertThat(message.get("data").get("trigger").asString()).isEqualTo("FAVORITED");

        // The access token came from the service account's signed JWT (RFC 7523), and is kept for the next push.
        assertThat(FCM.grantTypes).isNotEmpty().allMatch("urn:ietf:params:oauth:grant-type:jwt-bearer"::equals);
        SignedJWT assertion = SignedJWT.parse(FCM.assertions.get(0));
        assertThat(assertion.verify(new RSASSAVerifier((RSAPublicKey) FCM.serviceAccount.getPublic()))).isTrue();
        assertThat(assertion.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
        assertThat(assertion.getHeader().getKeyID()).isEqualTo("key-1");
        JWTClaimsSet claims = assertion.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(FakeFcm.CLIENT_EMAIL);
        assertThat(claims.getAudience()).containsExactly(FCM.tokenUri());
        assertThat(claims.getStringClaim("scope")).isEqualTo("https://www.googleapis.com/auth/firebase.messaging");
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant())).isEqualTo(Duration.ofHours(1));
        int issued = FCM.accessTokensIssued();
        assertThat(awaitSettled(deliver("fcm-ann", deviceId, "fcm"))).isEqualTo("SENT - 1");
        assertThat(FCM.accessTokensIssued()).isEqualTo(issued);

        assertThat(eventsMentioning(token)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = "
                + "'io.picflow.events.notifications.NotificationDelivered' AND convert_from(payload, 'UTF8')::jsonb ->> 'deliveryId' = :id")
                .param("id", deliveryId).query(Long.class).single() == 1);
    }

    @Test
    @Order(2)
    void a_token_fcm_calls_invalid_deactivates_the_device_at_once_without_a_retry(CapturedOutput output) {
        Map<String, MockResponse> verdicts = Map.of(
                "UNREGISTERED", FakeFcm.error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
                "SENDER_ID_MISMATCH", FakeFcm.error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"),
                "INVALID_TOKEN", FakeFcm.json(400, "{\"error\":{\"code\":400,\"message\":\"The registration token is not a valid FCM "
                        + "registration token\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
                        + "google.firebase.fcm.v1.FcmError\",\"errorCode\":\"INVALID_ARGUMENT\"},{\"@type\":\"type.googleapis.com/"
                        + "google.rpc.BadRequest\",\"fieldViolations\":[{\"field\":\"message.token\",\"description\":\"Invalid "
                        + "registration token\"}]}]}}"));
        List<String> deliveriesMade = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        verdicts.forEach((reason, answer) -> {
            String token = token("fcm");
            String deviceId = device("fcm-bea", "fcm", token);
            FCM.answer(token, answer);
            tokens.add(token);
            devices.add(deviceId);
            deliveriesMade.add(deliver("fcm-bea", deviceId, "fcm"));
        });
        List<String> reasons = new ArrayList<>(verdicts.keySet());
        for (int i = 0; i < reasons.size(); i++) {
            assertThat(awaitSettled(deliveriesMade.get(i))).as(reasons.get(i)).isEqualTo("FAILED DEVICE_TOKEN_INVALID 1");
            assertThat(deviceState(devices.get(i))).isEqualTo("false 0 " + reasons.get(i));
            assertThat(deviceEvents("DeviceDeactivated", devices.get(i))).containsExactly(reasons.get(i));
            assertThat(FCM.sendsTo(tokens.get(i))).hasSize(1);
        }
        assertThat(tokens).noneMatch(output.getAll()::contains); // tokens are credentials: never logged
        // Nothing more goes to a deactivated device, and it is not asked again.
        String later = deliver("fcm-bea", devices.get(0), "fcm");
        assertThat(awaitSettled(later)).isEqualTo("FAILED DEVICE_INACTIVE 1");
        assertThat(FCM.sendsTo(tokens.get(0))).hasSize(1);
        assertThat(api().get("/api/users/me/devices", io.picflow.devservices.TestTokens.user("fcm-bea")).body())
                .doesNotContain("\"active\":true");
    }

    @Test
    @Order(3)
    void a_payload_error_of_ours_fails_the_delivery_and_leaves_the_device_alone() {
        String token = token("fcm");
        String deviceId = device("fcm-cat", "fcm", token);
        FCM.answer(token, FakeFcm.error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                "Invalid value at 'message.data[0].value' (TYPE_STRING), 42"));

        assertThat(awaitSettled(deliver("fcm-cat", deviceId, "fcm"))).isEqualTo("FAILED FCM_INVALID_ARGUMENT 1");
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
        assertThat(deviceEvents("DeviceDeactivated", deviceId)).isEmpty();
    }

    @Test
    @Order(4)
    void fcm_unavailable_or_over_quota_is_retried_as_it_asks_and_the_device_is_not_blamed() {
        String token = token("fcm");
        String deviceId = device("fcm-dan", "fcm", token);
        FCM.answer(token, new MockResponse.Builder(FakeFcm.error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."))
                .setHeader("Retry-After", "1").build());
        String deliveryId = deliver("fcm-dan", deviceId, "fcm");

        assertThat(awaitSettled(deliveryId)).isEqualTo("SENT - 2");
        assertThat(attempts(deliveryId)).containsExactly("TRANSIENT 503", "SENT 200");
        List<Instant> attempts = attemptTimes(deliveryId);
        // The schedule alone would have waited at most 100 ms: the second attempt waited for Retry-After.
        assertThat(Duration.between(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");

        String quotaToken = token("fcm");
        String quotaDevice = device("fcm-dan", "fcm", quotaToken);
        FCM.answer(quotaToken, FakeFcm.error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded."),
                FakeFcm.error(500, "INTERNAL", "INTERNAL", "Internal error."));
        String quotaDelivery = deliver("fcm-dan", quotaDevice, "fcm");
        assertThat(awaitSettled(quotaDelivery)).isEqualTo("SENT - 3");
        assertThat(attempts(quotaDelivery)).containsExactly("TRANSIENT 429", "TRANSIENT 500", "SENT 200");
        assertThat(deviceState(quotaDevice)).isEqualTo("true 0 -");
        assertThat(deviceEvents("DeviceDeactivated", quotaDevice)).isEmpty();
    }

    @Test
    @Order(5)
    void an_access_token_fcm_refuses_is_replaced() {
        String token = token("fcm");
        String deviceId = device("fcm-eve", "fcm", token);
        FCM.answer(token, FakeFcm.error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials."));

        String deliveryId = deliver("fcm-eve", deviceId, "fcm");
        assertThat(awaitSettled(deliveryId)).isEqualTo("SENT - 2");
        assertThat(attempts(deliveryId)).containsExactly("TRANSIENT 401", "SENT 200");
        List<FakePushProvider.Send> sends = FCM.sendsTo(token);
        assertThat(sends.get(1).request().getHeaders().get("Authorization"))
                .isNotEqualTo(sends.get(0).request().getHeaders().get("Authorization"));
        assertThat(deviceState(deviceId)).isEqualTo("true 0 -");
    }

    @Test
    @Order(6)
    void while_fcm_is_down_its_pushes_are_held_and_each_goes_once_it_is_back(CapturedOutput output) {
        List<String> tokens = new ArrayList<>();
        List<String> made = new ArrayList<>();
        FCM.down = FakeFcm.error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.");
        try {
            for (int i = 0; i < 12; i++) {
                String token = token("fcm");
                tokens.add(token);
                made.add(deliver("fcm-fay", device("fcm-fay", "fcm", token), "fcm"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> breakers.get("fcm").getState() == CircuitBreaker.State.OPEN);
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE delivery_id IN (:ids) "
                    + "AND status = 'HELD' AND reason = 'PROVIDER_UNAVAILABLE'").param("ids", made).query(Long.class).single() > 0);
        } finally {
            FCM.down = null;
        }
        for (String deliveryId : made) {
            assertThat(awaitSettled(deliveryId)).startsWith("SENT ");
        }
        for (String token : tokens) {
            assertThat(FCM.acceptedTo(token)).isEqualTo(1);
        }
        assertThat(output.getAll()).contains("Circuit breaker fcm opened"); // the log is captured: what it lacks, it lacks
        assertThat(tokens).noneMatch(output.getAll()::contains);
        assertThat(jdbc.sql("SELECT count(*) FROM device WHERE user_id = 'fcm-fay' AND (NOT active OR consecutive_failures > 0)")
                .query(Long.class).single()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> breakers.get("fcm").getState() == CircuitBreaker.State.CLOSED);
    }
}
