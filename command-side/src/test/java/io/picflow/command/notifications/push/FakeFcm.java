package io.picflow.command.notifications.push;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * FCM HTTP v1 and Google's OAuth token endpoint, on plain HTTP: {@code POST /token} answers access tokens
 * {@code at-1}, {@code at-2}, ... (an hour each), and {@code POST /v1/projects/{project}/messages:send} the scripted
 * answers. The service account's key pair is made here, and its key file written to {@link #credentials}.
 */
final class FakeFcm extends FakePushProvider {

    static final String PROJECT = "picflow-test";
    static final String CLIENT_EMAIL = "picflow@picflow-test.iam.gserviceaccount.com";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    final KeyPair serviceAccount;
    final Path credentials;
    /** The assertions (signed JWTs) the token endpoint was given, in order. */
    final List<String> assertions = new CopyOnWriteArrayList<>();
    final List<String> grantTypes = new CopyOnWriteArrayList<>();
    private final AtomicInteger accessTokens = new AtomicInteger();
    private final AtomicInteger messages = new AtomicInteger();

    FakeFcm(Path directory) {
        try {
            server.start(InetAddress.getLoopbackAddress(), 0);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            serviceAccount = generator.generateKeyPair();
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(serviceAccount.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Map<String, String> key = new HashMap<>();
            key.put("type", "service_account");
            key.put("project_id", PROJECT);
            key.put("private_key_id", "key-1");
            key.put("private_key", pem);
            key.put("client_email", CLIENT_EMAIL);
            key.put("token_uri", tokenUri());
            credentials = directory.resolve("fcm-service-account.json");
            Files.writeString(credentials, JSON.writeValueAsString(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String baseUrl() {
        return server.url("/").toString();
    }

    String tokenUri() {
        return server.url("/token").toString();
    }

    int accessTokensIssued() {
        return accessTokens.get();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        String body = request.getBody() == null ? "" : request.getBody().utf8();
        if (path.equals("/token")) {
            Map<String, String> form = new HashMap<>();
            for (String pair : body.split("&")) {
                String[] parts = pair.split("=", 2);
                form.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), parts.length < 2 ? "" : URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
            }
            grantTypes.add(form.getOrDefault("grant_type", ""));
            assertions.add(form.getOrDefault("assertion", ""));
            return new MockResponse.Builder().setHeader("Content-Type", "application/json")
                    .body("{\"access_token\":\"at-" + accessTokens.incrementAndGet() + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}").build();
        }
        if (path.equals("/v1/projects/" + PROJECT + "/messages:send")) {
            return sent(JSON.readTree(body).path("message").path("token").asString(""), request);
        }
        return new MockResponse.Builder().code(404).build();
    }

    @Override
    MockResponse accepted(RecordedRequest request) {
        return json(200, "{\"name\":\"projects/" + PROJECT + "/messages/0:" + messages.incrementAndGet() + "\"}");
    }

    static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
    }

    /** An FCM error as FCM answers it: the Google error with an FcmError detail. */
    static MockResponse error(int status, String googleStatus, String fcmErrorCode, String message) {
        String details = fcmErrorCode == null ? "[]"
                : "[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"" + fcmErrorCode + "\"}]";
        return json(status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\"" + googleStatus
                + "\",\"details\":" + details + "}}");
    }
}
