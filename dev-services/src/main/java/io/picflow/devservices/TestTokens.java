package io.picflow.devservices;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints HS256 tokens for tests, with the JDK alone, so tests do not trust the code they test to sign. */
public final class TestTokens {

    /** The secret every test context is configured with. */
    public static final String SECRET = "picflow-test-secret-0123456789-abcdefghijklmnop";

    private TestTokens() {
    }

    public static String user(String userId) {
        return token(userId, List.of("user"), Instant.now().plusSeconds(3600), SECRET);
    }

    public static String admin(String userId) {
        return token(userId, List.of("admin"), Instant.now().plusSeconds(3600), SECRET);
    }

    public static String token(String subject, List<String> roles, Instant expiresAt, String secret) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String rolesJson = roles.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(",", "[", "]"));
        String claims = "{\"sub\":\"" + subject + "\",\"roles\":" + rolesJson + ",\"exp\":" + expiresAt.getEpochSecond() + "}";
        String signingInput = header + "." + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signingInput + "." + base64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
