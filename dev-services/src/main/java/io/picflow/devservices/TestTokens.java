package io.picflow.devservices;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints HS256 tokens for tests, with the JDK alone, so tests do not trust the code they test to sign. */
public final class TestTokens {

    /** The secret every test context is configured with. */
    public static final String SECRET = "picflow-test-secret-0123456789-abcdefghijklmnop";

    /** The issuer every service accepts unless configured otherwise ({@code picflow.security.jwt-issuer}). */
    public static final String ISSUER = "picflow";

    private TestTokens() {
    }

    public static String user(String userId) {
        return token(userId, List.of("user"), Instant.now().plusSeconds(3600), SECRET);
    }

    public static String admin(String userId) {
        return token(userId, List.of("admin"), Instant.now().plusSeconds(3600), SECRET);
    }

    /** A token as the identity provider issues it (iss, sub, roles, iat, exp), signed with {@code secret}. */
    public static String token(String subject, List<String> roles, Instant expiresAt, String secret) {
        Map<String, Object> claims = claims(subject, roles);
        // Issued an hour before it expires, or now if that is earlier: an expired token is simply an old one.
        Instant hourBefore = expiresAt.minusSeconds(3600);
        Instant now = Instant.now();
        claims.put("iat", (hourBefore.isBefore(now) ? hourBefore : now).getEpochSecond());
        claims.put("exp", expiresAt.getEpochSecond());
        return signed(claims, secret);
    }

    /**
     * The claims of a valid one-hour user token, to change before {@link #signed}: for tests of tokens
     * without a claim, with another issuer, or too long a lifetime.
     */
    public static Map<String, Object> claims(String subject, List<String> roles) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("roles", roles);
        claims.put("iat", now);
        claims.put("exp", now + 3600);
        return claims;
    }

    /** Signs exactly these claims (strings, numbers and lists of strings). */
    public static String signed(Map<String, ?> claims, String secret) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String json = claims.entrySet().stream().map(c -> string(c.getKey()) + ":" + value(c.getValue()))
                .collect(Collectors.joining(",", "{", "}"));
        String signingInput = header + "." + base64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signingInput + "." + base64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String value(Object value) {
        if (value instanceof Number) {
            return value.toString();
        }
        if (value instanceof Collection<?> list) {
            return list.stream().map(v -> string(v.toString())).collect(Collectors.joining(",", "[", "]"));
        }
        return string(value.toString());
    }

    private static String string(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
