package io.picflow.command.notifications.push;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OAuth 2.0 access tokens for FCM from a Google service-account key file ({@code client_email}, {@code private_key}
 * in PKCS#8 PEM, {@code token_uri}, {@code private_key_id}): a JWT signed with the key (RS256, the messaging scope, an
 * hour) is exchanged at {@code token_uri} for an access token (RFC 7523), which is kept until a minute before it
 * expires. One exchange at a time: the senders waiting meanwhile take the token it brings.
 */
final class GoogleAccessTokens {

    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private static final Duration MARGIN = Duration.ofMinutes(1);

    /** The exchange failed: {@code status} (null: no answer) and what the token endpoint said. */
    static final class Failure extends Exception {
        final Integer status;

        Failure(Integer status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final String clientEmail;
    private final String keyId;
    private final PrivateKey key;
    private final String tokenUri;
    private final OkHttpClient http;
    private final JsonMapper json;
    private final Clock clock;
    private String token;
    private Instant expiresAt = Instant.MIN;

    GoogleAccessTokens(Path credentialsFile, OkHttpClient http, JsonMapper json, Clock clock) {
        JsonNode account = json.readTree(PushHttp.read(credentialsFile));
        this.clientEmail = required(account, "client_email", credentialsFile);
        this.tokenUri = required(account, "token_uri", credentialsFile);
        this.keyId = account.path("private_key_id").asString(null);
        try {
            this.key = PushHttp.privateKey(required(account, "private_key", credentialsFile), "RSA");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(credentialsFile + ": private_key is " + e.getMessage(), e);
        }
        this.http = http;
        this.json = json;
        this.clock = clock;
    }

    private static String required(JsonNode account, String field, Path file) {
        String value = account.path(field).asString("");
        if (value.isBlank()) {
            throw new IllegalStateException(file + ": the service account key has no " + field);
        }
        return value;
    }

    /** A valid access token: the one held, or a new one. */
    synchronized String current() throws Failure {
        if (token != null && clock.instant().isBefore(expiresAt.minus(MARGIN))) {
            return token;
        }
        Request request = new Request.Builder().url(tokenUri)
                .post(new FormBody.Builder().add("grant_type", GRANT_TYPE).add("assertion", assertion()).build()).build();
        try (Response response = http.newCall(request).execute()) {
            String body = response.body().string();
            if (!response.isSuccessful()) {
                throw new Failure(response.code(), "token endpoint: HTTP " + response.code() + ": " + PushHttp.shortened(body));
            }
            JsonNode answer = json.readTree(body);
            String accessToken = answer.path("access_token").asString("");
            if (accessToken.isBlank()) {
                throw new Failure(response.code(), "token endpoint: no access_token in its answer");
            }
            token = accessToken;
            expiresAt = clock.instant().plusSeconds(answer.path("expires_in").asLong(3600));
            return token;
        } catch (InterruptedIOException e) {
            throw new Failure(null, "token endpoint: timed out: " + e.getMessage());
        } catch (IOException e) {
            throw new Failure(null, "token endpoint: " + e);
        } catch (RuntimeException notJson) {
            throw new Failure(null, "token endpoint: unreadable answer: " + notJson.getMessage());
        }
    }

    /** FCM refused {@code refused} (401): the next call exchanges a new one. */
    synchronized void invalidate(String refused) {
        if (refused.equals(token)) {
            token = null;
        }
    }

    /** The signed JWT that asks for an access token. */
    private String assertion() throws Failure {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientEmail).audience(tokenUri).claim("scope", SCOPE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1)))).build();
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT);
        if (keyId != null) {
            header.keyID(keyId);
        }
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new Failure(null, "could not sign the token request: " + e.getMessage());
        }
        return jwt.serialize();
    }
}
