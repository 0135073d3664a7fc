package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded run (dev tokens on) without an SMS provider: SMS is available all the same, and what it would have sent
 * is listed by {@code GET /api/dev/outbox}, newest first.
 */
@DirtiesContext
class DevOutboxTest extends NotificationsTestSupport {

    private static final Pattern CODE = Pattern.compile("Your picflow code is (\\d{6})");
    private static final JsonMapper json = JsonMapper.builder().build();

    @DynamicPropertySource
    static void embedded(DynamicPropertyRegistry registry) {
        registry.add("picflow.security.dev-tokens", () -> "true");
    }

    @Test
    void without_a_provider_the_embedded_run_lists_its_sms_in_the_dev_outbox() throws Exception {
        register("out-lea", "Lea", null);
        register("out-max", "Max", null);
        String token = TestTokens.user("out-lea");
        assertThat(put("/api/users/me/contact", token, "{\"phone\":\"+15005550200\"}").statusCode()).isEqualTo(202);

        JsonNode codeSms = await().atMost(Duration.ofSeconds(20)).until(() -> outbox().get(0), java.util.Objects::nonNull);
        assertThat(codeSms.get("channel").asString()).isEqualTo("sms");
        assertThat(codeSms.get("provider").asString()).isEqualTo("dev-outbox");
        assertThat(codeSms.get("to").asString()).isEqualTo("+15005550200");
        Matcher code = CODE.matcher(codeSms.get("body").asString());
        assertThat(code.find()).isTrue();
        assertThat(api().postJson("/api/users/me/contact/phone/verify", token, "{\"code\":\"" + code.group(1) + "\"}").statusCode())
                .isEqualTo(204);

        assertThat(put("/api/users/me/notification-preferences", token, SmsPreferences.favoritedBySms("UTC")).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM notification_preference "
                + "WHERE user_id = 'out-lea'").query(Long.class).single() == 1);
        assertThat(favorite("out-max", "out-lea").statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> outbox().size() == 2);
        JsonNode newest = outbox().get(0);
        assertThat(newest.get("body").asString()).startsWith("Max favorited you on picflow - ");
        assertThat(newest.get("deliveryId").asString()).endsWith(":sms");
        assertThat(outbox().get(1).get("deliveryId").asString()).startsWith(ContactVerification.DELIVERY_PREFIX);
    }

    @Test
    void the_outbox_is_not_shown_to_forwarded_requests() {
        HttpResponse<String> forwarded = api().get("/api/dev/outbox", null, "X-Forwarded-For", "203.0.113.9");
        assertThat(forwarded.statusCode()).isEqualTo(403);
    }

    private JsonNode outbox() {
        HttpResponse<String> response = api().get("/api/dev/outbox", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body()).get("messages");
    }
}
