package io.picflow.command.notifications.push;

import io.picflow.command.devices.Devices;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
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
 * Firebase Cloud Messaging, HTTP v1: {@code POST {base}/v1/projects/{project}/messages:send} with the message (token,
 * notification, data) and an OAuth 2.0 bearer token of the service account ({@link GoogleAccessTokens}). Its answers:
 * <ul>
 *   <li>2xx: sent; the message's {@code name} is the provider's id for it.</li>
 *   <li>{@code UNREGISTERED}, {@code SENDER_ID_MISMATCH}, or {@code INVALID_ARGUMENT} about the token: the token is no
 *       longer valid, and the device is deactivated.</li>
 *   <li>Any other {@code INVALID_ARGUMENT} (or 4xx about the message): our payload, failed for good.</li>
 *   <li>{@code UNAVAILABLE}, {@code INTERNAL}, {@code QUOTA_EXCEEDED} (the project's quota, or a device's: FCM does not
 *       say which), other 5xx, timeouts: retried, {@code Retry-After} honoured, counted against the {@code fcm} breaker.</li>
 *   <li>401 (our access token; a new one is fetched), 403 {@code PERMISSION_DENIED}, {@code THIRD_PARTY_AUTH_ERROR} (the
 *       project's APNs credentials), 404 without {@code UNREGISTERED} (no such project): our configuration, which fails
 *       every push alike. Retried and counted against the breaker while an operator fixes it, rather than failing
 *       every push for good meanwhile.</li>
 * </ul>
 */
public final class FcmPush implements PushProvider {

    public static final String BREAKER = "fcm";

    /** {@code picflow.notifications.fcm.*}. */
    public record Settings(String baseUrl, String projectId, Path credentialsFile) {
    }

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final long ANSWER_BYTES = 64 * 1024;

    private final HttpUrl send;
    private final GoogleAccessTokens tokens;
    private final OkHttpClient http;
    private final JsonMapper json;
    private final Semaphore inFlight;

    public FcmPush(Settings settings, OkHttpClient http, JsonMapper json, Clock clock, int maxInFlight) {
        this.send = HttpUrl.get(settings.baseUrl()).newBuilder().addPathSegment("v1").addPathSegment("projects")
                .addPathSegment(settings.projectId()).addPathSegment("messages:send").build();
        this.tokens = new GoogleAccessTokens(settings.credentialsFile(), http, json, clock);
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
        String accessToken;
        try {
            accessToken = tokens.current();
        } catch (GoogleAccessTokens.Failure e) {
            return new PushResult.Unavailable("FCM_AUTH_FAILED", e.status, null, "fcm: " + e.getMessage());
        }
        Request request = new Request.Builder().url(send).header("Authorization", "Bearer " + accessToken)
                .post(RequestBody.create(body(message, device.token()), JSON)).build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() == 401) {
                tokens.invalidate(accessToken);
            }
            return classify(response.code(), response.header("Retry-After"),
                    PushHttp.withoutToken(response.peekBody(ANSWER_BYTES).string(), device));
        } catch (ConnectException | UnknownHostException e) {
            return new PushResult.Unavailable("FCM_UNREACHABLE", null, null, PushHttp.withoutToken("fcm: " + e.getMessage(), device));
        } catch (InterruptedIOException e) {
            return new PushResult.Unavailable("FCM_TIMEOUT", null, null, PushHttp.withoutToken("fcm: " + e.getMessage(), device));
        } catch (IOException e) {
            return new PushResult.Unavailable("FCM_FAILED", null, null, PushHttp.withoutToken("fcm: " + e, device));
        }
    }

    private String body(PushMessage message, String token) {
        ObjectNode root = json.createObjectNode();
        ObjectNode fcm = root.putObject("message");
        fcm.put("token", token);
        fcm.putObject("notification").put("title", message.title()).put("body", message.body());
        ObjectNode data = fcm.putObject("data");
        message.data().forEach(data::put);
        return root.toString();
    }

    PushResult classify(int status, String retryAfter, String body) {
        JsonNode answer = parse(body);
        if (status >= 200 && status < 300) {
            return new PushResult.Accepted(answer.path("name").asString(null), status);
        }
        JsonNode error = answer.path("error");
        String code = fcmErrorCode(error);
        String detail = "fcm: HTTP " + status + " " + code + ": " + error.path("message").asString(PushHttp.shortened(body));
        switch (code) {
            case "UNREGISTERED", "SENDER_ID_MISMATCH" -> {
                return new PushResult.InvalidToken(code, status, detail);
            }
            case "INVALID_ARGUMENT" -> {
                return aboutTheToken(error) ? new PushResult.InvalidToken("INVALID_TOKEN", status, detail)
                        : new PushResult.Rejected("FCM_INVALID_ARGUMENT", status, detail);
            }
            case "THIRD_PARTY_AUTH_ERROR", "UNAUTHENTICATED", "PERMISSION_DENIED" -> {
                return new PushResult.Unavailable("FCM_AUTH_FAILED", status, null, detail);
            }
            default -> {
                if (status == 429 || status >= 500) {
                    return new PushResult.Unavailable(status == 429 ? "FCM_QUOTA_EXCEEDED" : "FCM_UNAVAILABLE", status,
                            PushHttp.retryAfter(retryAfter), detail);
                }
                if (status == 401 || status == 403 || status == 404) {
                    return new PushResult.Unavailable("FCM_MISCONFIGURED", status, null, detail);
                }
                return new PushResult.Rejected("FCM_REJECTED", status, detail);
            }
        }
    }

    /** FCM's own error code (in the {@code FcmError} detail) when it gives one, else the status of the Google error. */
    private static String fcmErrorCode(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asString("").endsWith("google.firebase.fcm.v1.FcmError") && detail.hasNonNull("errorCode")) {
                return detail.get("errorCode").asString();
            }
        }
        return error.path("status").asString("UNSPECIFIED_ERROR");
    }

    /** An INVALID_ARGUMENT about the token: a field violation of {@code message.token}, or the message says so. */
    private static boolean aboutTheToken(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            for (JsonNode violation : detail.path("fieldViolations")) {
                if (violation.path("field").asString("").endsWith("token")) {
                    return true;
                }
            }
        }
        return error.path("message").asString("").toLowerCase(Locale.ROOT).contains("registration token");
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : json.readTree(body);
        } catch (RuntimeException notJson) {
            return MissingNode.getInstance(); // a proxy's error page, say: the status decides alone
        }
    }
}
