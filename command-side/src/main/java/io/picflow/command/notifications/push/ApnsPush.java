package io.picflow.command.notifications.push;

import io.picflow.command.devices.Devices;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Apple Push Notification service: {@code POST {base}/3/device/{token}} over HTTP/2 (TLS, negotiated by ALPN), with a
 * provider token ({@link ApnsProviderToken}) and the headers APNs wants: {@code apns-topic} (the app), {@code
 * apns-push-type: alert}, {@code apns-priority} (10, or 5 for a low-priority push), {@code apns-collapse-id} and
 * {@code apns-id}, a UUID derived from the delivery's id, so that the one repeat the engine allows is the same
 * notification to APNs. Its answers ({@code reason}):
 * <ul>
 *   <li>200: sent; {@code apns-id} is the provider's id.</li>
 *   <li>410 {@code Unregistered}/{@code ExpiredToken}, 400 {@code BadDeviceToken}, 400 {@code DeviceTokenNotForTopic}:
 *       the token is no longer valid, and the device is deactivated.</li>
 *   <li>429 {@code TooManyRequests}: too many pushes to this one device; retried, and counted against the device.</li>
 *   <li>500, 503, {@code TooManyProviderTokenUpdates}, timeouts: retried, {@code Retry-After} honoured, counted against
 *       the {@code apns} breaker. So are 403s about our provider token or key (our configuration fails every push
 *       alike: retried while an operator fixes it; a refused token is replaced).</li>
 *   <li>Any other 4xx ({@code BadTopic}, {@code PayloadTooLarge}, {@code BadCollapseId}, ...): our message, failed for
 *       good, and the device is not blamed.</li>
 * </ul>
 */
public final class ApnsPush implements PushProvider {

    public static final String BREAKER = "apns";

    /** {@code picflow.notifications.apns.*}. */
    public record Settings(String baseUrl, String teamId, String keyId, Path privateKeyFile, String topic) {
    }

    private static final MediaType JSON = MediaType.get("application/json");
    private static final long ANSWER_BYTES = 16 * 1024;
    private static final Set<String> TOKEN_INVALID = Set.of("BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken");
    private static final Set<String> PROVIDER_TOKEN = Set.of("ExpiredProviderToken", "InvalidProviderToken", "MissingProviderToken");

    private final HttpUrl devices;
    private final String topic;
    private final ApnsProviderToken providerToken;
    private final OkHttpClient http;
    private final JsonMapper json;
    private final Semaphore inFlight;

    public ApnsPush(Settings settings, OkHttpClient http, JsonMapper json, Clock clock, int maxInFlight) {
        this.devices = HttpUrl.get(settings.baseUrl()).newBuilder().addPathSegment("3").addPathSegment("device").build();
        this.topic = settings.topic();
        this.providerToken = new ApnsProviderToken(settings.teamId(), settings.keyId(), settings.privateKeyFile(), clock);
        this.http = http;
        this.json = json;
        this.inFlight = new Semaphore(maxInFlight);
    }

    @Override
    public String breaker() {
        return BREAKER;
    }

    @Override
    public PushResult send(PushMessage message, Devices.Sendable device) {
        inFlight.acquireUninterruptibly();
        try {
            return call(message, device);
        } finally {
            inFlight.release();
        }
    }

    private PushResult call(PushMessage message, Devices.Sendable device) {
        String jwt = providerToken.current();
        Request request = new Request.Builder().url(devices.newBuilder().addPathSegment(device.token()).build())
                .header("authorization", "bearer " + jwt)
                .header("apns-topic", topic)
                .header("apns-push-type", "alert")
                .header("apns-priority", message.lowPriority() ? "5" : "10")
                .header("apns-collapse-id", message.collapseId())
                .header("apns-id", apnsId(message.deliveryId()))
                .post(RequestBody.create(body(message), JSON)).build();
        try (Response response = http.newCall(request).execute()) {
            String reason = reason(response.peekBody(ANSWER_BYTES).string());
            if (response.code() == 403 && PROVIDER_TOKEN.contains(reason)) {
                providerToken.refused(jwt);
            }
            return classify(response.code(), reason, response.header("Retry-After"), response.header("apns-id"));
        } catch (ConnectException | UnknownHostException e) {
            return new PushResult.Unavailable("APNS_UNREACHABLE", null, null, PushHttp.withoutToken("apns: " + e.getMessage(), device));
        } catch (InterruptedIOException e) {
            return new PushResult.Unavailable("APNS_TIMEOUT", null, null, PushHttp.withoutToken("apns: " + e.getMessage(), device));
        } catch (IOException e) {
            return new PushResult.Unavailable("APNS_FAILED", null, null, PushHttp.withoutToken("apns: " + e, device));
        }
    }

    /** The same delivery is the same notification to APNs: its id, as a UUID. */
    static String apnsId(String deliveryId) {
        return UUID.nameUUIDFromBytes(deliveryId.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private String body(PushMessage message) {
        ObjectNode root = json.createObjectNode();
        root.putObject("aps").putObject("alert").put("title", message.title()).put("body", message.body());
        message.data().forEach(root::put); // custom keys sit beside aps
        return root.toString();
    }

    static PushResult classify(int status, String reason, String retryAfter, String apnsId) {
        if (status == 200) {
            return new PushResult.Accepted(apnsId, status);
        }
        String detail = "apns: HTTP " + status + (reason.isEmpty() ? "" : " " + reason);
        if ((status == 400 || status == 410) && TOKEN_INVALID.contains(reason)) {
            return new PushResult.InvalidToken(constant(reason), status, detail);
        }
        if (status == 429 && "TooManyRequests".equals(reason)) {
            return new PushResult.DeviceFailure(constant(reason), status, PushHttp.retryAfter(retryAfter), detail);
        }
        if (status == 429 || status >= 500) {
            return new PushResult.Unavailable(status == 429 ? "APNS_TOO_MANY_TOKEN_UPDATES" : "APNS_UNAVAILABLE", status,
                    PushHttp.retryAfter(retryAfter), detail);
        }
        if (status == 403) {
            return new PushResult.Unavailable("APNS_AUTH_FAILED", status, null, detail);
        }
        return new PushResult.Rejected("APNS_REJECTED", status, detail);
    }

    private String reason(String body) {
        try {
            JsonNode answer = body == null || body.isBlank() ? MissingNode.getInstance() : json.readTree(body);
            return answer.path("reason").asString("");
        } catch (RuntimeException notJson) {
            return "";
        }
    }

    /** {@code BadDeviceToken} as {@code BAD_DEVICE_TOKEN}: our codes' style. */
    static String constant(String reason) {
        return reason.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
