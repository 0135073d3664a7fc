package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.notifications.NotificationLetters.Letter;
import io.picflow.command.outbound.DeliveryOutcome;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** How Twilio's answers become outcomes, and what an SMS says at most. */
class TwilioSmsTest {

    private final TwilioSms twilio = new TwilioSms("sms", new TwilioSms.Account("http://127.0.0.1:9/", "AC1", "secret", "+15005550006"),
            new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2)).build(), JsonMapper.builder().build());

    @Test
    void an_accepted_message_is_sent_under_the_providers_sid() {
        DeliveryOutcome outcome = twilio.classify(201, null, "{\"sid\":\"SM123\",\"status\":\"queued\"}");
        assertThat(outcome).isEqualTo(new DeliveryOutcome.Sent("SM123", 201, "sms: queued"));
    }

    @Test
    void a_verdict_about_the_number_or_the_message_fails_for_good() {
        assertThat(code(twilio.classify(400, null, error(400, 21211)))).isEqualTo("Permanent SMS_INVALID_NUMBER");
        assertThat(code(twilio.classify(400, null, error(400, 21614)))).isEqualTo("Permanent SMS_NOT_MOBILE");
        assertThat(code(twilio.classify(400, null, error(400, 21610)))).isEqualTo("Permanent SMS_UNSUBSCRIBED");
        assertThat(code(twilio.classify(400, null, error(400, 21602)))).isEqualTo("Permanent SMS_REJECTED");
    }

    @Test
    void our_configuration_refused_is_retried_and_the_providers_failure() {
        assertThat(code(twilio.classify(401, null, error(401, 20003)))).isEqualTo("Transient SMS_AUTH_FAILED");
        assertThat(code(twilio.classify(403, null, error(403, 20003)))).isEqualTo("Transient SMS_AUTH_FAILED");
        assertThat(code(twilio.classify(404, null, error(404, 20404)))).isEqualTo("Transient SMS_MISCONFIGURED");
        assertThat(code(twilio.classify(400, null, error(400, TwilioSms.INVALID_FROM)))).isEqualTo("Transient SMS_MISCONFIGURED");
    }

    @Test
    void rate_limits_and_server_errors_are_retried_after_their_retry_after() {
        DeliveryOutcome limited = twilio.classify(429, "7", error(429, 20429));
        assertThat(code(limited)).isEqualTo("Transient SMS_RATE_LIMITED");
        assertThat(((DeliveryOutcome.Transient) limited).retryAfter()).isEqualTo(Duration.ofSeconds(7));
        DeliveryOutcome proxy = twilio.classify(502, null, "<html>Bad gateway</html>");
        assertThat(code(proxy)).isEqualTo("Transient SMS_PROVIDER_ERROR");
        assertThat(((DeliveryOutcome.Transient) proxy).message()).contains("HTTP 502", "Bad gateway");
    }

    @Test
    void a_refused_connection_is_retried() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        TwilioSms nobody = new TwilioSms("sms", new TwilioSms.Account("http://127.0.0.1:" + closed + "/", "AC1", "secret", "+15005550006"),
                new OkHttpClient.Builder().retryOnConnectionFailure(false).build(), JsonMapper.builder().build());
        assertThat(code(nobody.send("notif-1:sms", "+15005550100", "Hello"))).isEqualTo("Transient SMS_UNREACHABLE");
    }

    @Test
    void a_long_digest_is_cut_to_320_characters_and_says_how_many_more() {
        List<String> lines = IntStream.rangeClosed(1, 12)
                .mapToObj(i -> "Someone with a long display name " + i + " favorited you on picflow - 6 Dec 2026, 06:0" + (i % 10) + " (UTC)")
                .toList();
        String text = SmsTransport.digestText(new Letter("Your picflow digest: 12 notifications", lines, UnsubscribeTokens.DIGEST));
        assertThat(text.length()).isLessThanOrEqualTo(SmsTransport.MAX_CHARS);
        assertThat(text).startsWith("Your picflow digest: 12 notifications\n" + lines.get(0)).endsWith(" more");
        int shown = (int) lines.stream().filter(text::contains).count();
        assertThat(text).endsWith("+" + (12 - shown) + " more");
        assertThat(SmsTransport.fit("x".repeat(400))).hasSize(SmsTransport.MAX_CHARS).endsWith("...");
    }

    private static String error(int status, int code) {
        return "{\"code\":" + code + ",\"message\":\"Twilio says no\",\"status\":" + status + "}";
    }

    private static String code(DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Permanent permanent) {
            return "Permanent " + permanent.code();
        }
        return outcome instanceof DeliveryOutcome.Transient failure ? "Transient " + failure.code() : outcome.toString();
    }
}
