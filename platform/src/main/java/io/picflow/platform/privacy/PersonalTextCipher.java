package io.picflow.platform.privacy;

import io.picflow.events.EncryptedText;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for {@link EncryptedText}: a fresh random 12-byte IV per text, the owner's id as additional
 * authenticated data. The JDK's own provider does the cryptography; this class only fixes the format, which is part
 * of the event contract: {@code v1.} + base64url of IV, ciphertext and tag, for a text that belongs to one user;
 * {@code v1p.} and the same for a text by one user about another ({@link #encryptAbout}), under a key derived from
 * both users' keys, so that erasing either one makes it unreadable.
 */
public final class PersonalTextCipher {

    /** Bytes of a user's key: AES-256. */
    public static final int KEY_BYTES = 32;

    private static final String PREFIX = "v1.";
    private static final String PAIR_PREFIX = "v1p.";
    private static final byte[] PAIR_KEY_LABEL = "picflow personal text about another user v1".getBytes(StandardCharsets.UTF_8);
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PersonalTextCipher() {
    }

    /** A new random key for one user. */
    public static byte[] newKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    public static EncryptedText encrypt(byte[] key, String ownerId, String plaintext) {
        return seal(PREFIX, key, ownerId, plaintext);
    }

    /** A text by {@code authorId} about {@code subjectId}: readable only while both users' keys exist. */
    public static EncryptedText encryptAbout(byte[] authorKey, byte[] subjectKey, String authorId, String subjectId, String plaintext) {
        return seal(PAIR_PREFIX, pairKey(authorKey, subjectKey), pairData(authorId, subjectId), plaintext);
    }

    /**
     * The text, if {@code key} is the owner's and the ciphertext is intact.
     *
     * @throws IllegalArgumentException if the text is not in this format, was changed, or belongs to another owner or key
     */
    public static String decrypt(byte[] key, String ownerId, EncryptedText text) {
        return open(PREFIX, key, ownerId, text);
    }

    /** The text by {@code authorId} about {@code subjectId} (see {@link #decrypt}). */
    public static String decryptAbout(byte[] authorKey, byte[] subjectKey, String authorId, String subjectId, EncryptedText text) {
        return open(PAIR_PREFIX, pairKey(authorKey, subjectKey), pairData(authorId, subjectId), text);
    }

    private static EncryptedText seal(String prefix, byte[] key, String associatedData, String plaintext) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, iv, associatedData);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(iv, IV_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return new EncryptedText(prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(out));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    private static String open(String prefix, byte[] key, String associatedData, EncryptedText text) {
        if (!text.ciphertext().startsWith(prefix)) {
            throw new IllegalArgumentException("Not an EncryptedText of format " + prefix);
        }
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(text.ciphertext().substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("EncryptedText is not base64url", e);
        }
        if (in.length < IV_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("EncryptedText too short");
        }
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOf(in, IV_BYTES), associatedData);
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("EncryptedText does not open with this key and owner", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** HMAC-SHA256 of both keys under a fixed label: a key that needs both users' keys to compute. */
    private static byte[] pairKey(byte[] authorKey, byte[] subjectKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(authorKey, "HmacSHA256"));
            mac.update(PAIR_KEY_LABEL);
            return mac.doFinal(subjectKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Author and subject, unambiguously (a NUL cannot be part of a token subject that passed validation). */
    private static String pairData(String authorId, String subjectId) {
        return authorId + "\u0000" + subjectId;
    }

    private static Cipher cipher(int mode, byte[] key, byte[] iv, String associatedData) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }
}
