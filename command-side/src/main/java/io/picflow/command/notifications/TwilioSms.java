package io.picflow.command.notifications;

import io.picflow.command.outbound.DeliveryOutcome;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/**
 * An SMS provider with Twilio's Messages API: a form {@code POST {base}/2010-04-01/Accounts/{sid}/Messages.json}
 * ({@code To}, {@code From}, {@code Body}) with basic auth, and the delivery's id as {@code I-Twilio-Idempotency-Token},
 * so that the one repeat the engine allows is recognised by the provider. How its answers are taken:
 * <ul>
 *   <li>2xx: sent; the message's {@code sid} is the provider's id for it.</li>
 *   <li>An invalid number (21211), not a mobile (21614), or a recipient who answered STOP (21610): fails for good, and
 *       a working provider's verdict about one message (not counted against the breaker). So is any other 4xx about
 *       the message.</li>
 *   <li>401 and 403 (our credentials, or the account suspended), 404 (no such account: a wrong sid or base URL) and
 *       21212 (our From number is not valid): our configuration is wrong, which fails every message alike. Retried,
 *       and counted against this provider's breaker: it opens, the fallback provider (whose account is its own)
 *       takes the traffic, and nothing is lost while an operator fixes it. Failing each message for good instead would
 *       drop every SMS until then.</li>
 *   <li>429 (the account's rate limit), 5xx, a refused connection, a timeout: retried, {@code Retry-After} honoured,
 *       and counted against the breaker.</li>
 * </ul>
 */
final class TwilioSms implements SmsProvider {

    /** One provider's settings ({@code picflow.notifications.sms.*} or {@code picflow.notifications.sms.fallback.*}). */
    record Account(String baseUrl, String accountSid, String authToken, String from) {
    }

    static final int INVALID_TO = 21211;
    static final int NOT_MOBILE = 21614;
    static final int UNSUBSCRIBED = 21610;
    static final int INVALID_FROM = 21212;
    private static final Set<Integer> CONFIGURATION = Set.of(401, 403, 404);
    private static final long ANSWER_BYTES = 64 * 1024;

    private final String breaker;
    private final HttpUrl messages;
    private final String credentials;
    private final String from;
    private final OkHttpClient http;
    private final JsonMapper json;

    TwilioSms(String breaker, Account account, OkHttpClient http, JsonMapper json) {
        this.breaker = breaker;
        this.messages = HttpUrl.get(account.baseUrl()).newBuilder().addPathSegments("2010-04-01/Accounts")
                .addPathSegment(account.accountSid()).addPathSegment("Messages.json").build();
        this.credentials = Credentials.basic(account.accountSid(), account.authToken());
        this.from = account.from();
        this.http = http;
        this.json = json;
    }

    @Override
    public String breaker() {
        return breaker;
    }

    @Override
    public DeliveryOutcome send(String deliveryId, String to, String text) {
        Request request = new Request.Builder().url(messages).header("Authorization", credentials)
                .header("I-Twilio-Idempotency-Token", deliveryId)
                .post(new FormBody.Builder().add("To", to).add("From", from).add("Body", text).build()).build();
        try (Response response = http.newCall(request).execute()) {
            return classify(response.code(), response.header("Retry-After"), response.peekBody(ANSWER_BYTES).string());
        } catch (ConnectException | UnknownHostException e) {
            return new DeliveryOutcome.Transient("SMS_UNREACHABLE", breaker + ": " + e.getMessage(), null, null);
        } catch (InterruptedIOException e) {
            return new DeliveryOutcome.Transient("SMS_TIMEOUT", breaker + ": " + e.getMessage(), null, null);
        } catch (IOException e) {
            return new DeliveryOutcome.Transient("SMS_FAILED", breaker + ": " + e, null, null);
        }
    }

    DeliveryOutcome classify(int status, String retryAfter, String body) {
        JsonNode answer = parse(body);
        if (status >= 200 && status < 300) {
            return new DeliveryOutcome.Sent(answer.path("sid").asString(null), status,
                    breaker + ": " + answer.path("status").asString("accepted"));
        }
        int code = answer.path("code").asInt(0);
        String detail = breaker + ": HTTP " + status + (code == 0 ? "" : ", error " + code) + ": "
                + answer.path("message").asString(body.length() > 200 ? body.substring(0, 200) : body);
        if (status == 429 || status >= 500) {
            return new DeliveryOutcome.Transient(status == 429 ? "SMS_RATE_LIMITED" : "SMS_PROVIDER_ERROR", detail, status,
                    retryAfter(retryAfter));
        }
        if (CONFIGURATION.contains(status) || code == INVALID_FROM) {
            return new DeliveryOutcome.Transient(status == 401 || status == 403 ? "SMS_AUTH_FAILED" : "SMS_MISCONFIGURED", detail,
                    status, null);
        }
        return switch (code) {
            case INVALID_TO -> new DeliveryOutcome.Permanent("SMS_INVALID_NUMBER", detail, status);
            case NOT_MOBILE -> new DeliveryOutcome.Permanent("SMS_NOT_MOBILE", detail, status);
            case UNSUBSCRIBED -> new DeliveryOutcome.Permanent("SMS_UNSUBSCRIBED", detail, status);
            default -> new DeliveryOutcome.Permanent("SMS_REJECTED", detail, status);
        };
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : json.readTree(body);
        } catch (RuntimeException notJson) {
            return MissingNode.getInstance(); // a proxy's error page, say: the status decides alone
        }
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }
}
