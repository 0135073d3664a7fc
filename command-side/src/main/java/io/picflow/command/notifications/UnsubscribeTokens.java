package io.picflow.command.notifications;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * The {@code t=} of an unsubscribe link: user, trigger (or {@code DIGEST}) and channel, with an HMAC-SHA256 under a key
 * derived from the JWT secret for this purpose only (so that neither can stand in for the other). It does not expire:
 * an unsubscribe link in an old email must still work (RFC 8058), and all it can do is turn a notification off.
 */
@Component
class UnsubscribeTokens {

    /** What a token asks to turn off. */
    record Unsubscribe(String userId, String trigger, String channel) {
    }

    static final String DIGEST = "DIGEST";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    UnsubscribeTokens(SecretKey jwtSigningKey) {
        this.key = derive(jwtSigningKey, "picflow unsubscribe links v1");
    }

    /** A key for one purpose only, derived from the JWT secret (HMAC of the purpose's name). */
    static byte[] derive(SecretKey secret, String purpose) {
        return hmac(secret.getEncoded(), purpose.getBytes(StandardCharsets.UTF_8));
    }

    String issue(String userId, String trigger, String channel) {
        byte[] claims = (userId + "\n" + trigger + "\n" + channel).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(claims) + "." + ENCODER.encodeToString(hmac(key, claims));
    }

    /** The claims of a token this service issued; empty for anything else. */
    Optional<Unsubscribe> verify(String token) {
        if (token == null || token.length() > 1024) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        try {
            byte[] claims = DECODER.decode(token.substring(0, Math.max(dot, 0)));
            byte[] mac = DECODER.decode(token.substring(dot + 1));
            if (dot < 0 || !MessageDigest.isEqual(mac, hmac(key, claims))) {
                return Optional.empty();
            }
            String[] parts = new String(claims, StandardCharsets.UTF_8).split("\n", -1);
            return parts.length == 3 ? Optional.of(new Unsubscribe(parts[0], parts[1], parts[2])) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
