package io.picflow.platform.privacy;

import io.picflow.events.EncryptedText;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for {@link EncryptedText}: a fresh random 12-byte IV per text, the owner's id as
 * additional authenticated data. The JDK's own provider does the cryptography; this class only fixes
 * the format ({@code v1.} + base64url of IV, ciphertext and tag), which is part of the event contract.
 */
public final class PersonalTextCipher {

    /** Bytes of a user's key: AES-256. */
    public static final int KEY_BYTES = 32;

    private static final String PREFIX = "v1.";
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
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, iv, ownerId);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(iv, IV_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return new EncryptedText(PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * The text, if {@code key} is the owner's and the ciphertext is intact.
     *
     * @throws IllegalArgumentException if the text is not in this format, was changed, or belongs to another owner or key
     */
    public static String decrypt(byte[] key, String ownerId, EncryptedText text) {
        if (!text.ciphertext().startsWith(PREFIX)) {
            throw new IllegalArgumentException("Unknown EncryptedText format");
        }
        byte[] in = Base64.getUrlDecoder().decode(text.ciphertext().substring(PREFIX.length()));
        if (in.length < IV_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("EncryptedText too short");
        }
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOf(in, IV_BYTES), ownerId);
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("EncryptedText does not open with this key and owner", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] iv, String ownerId) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(ownerId.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }
}
