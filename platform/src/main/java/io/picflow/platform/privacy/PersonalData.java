package io.picflow.platform.privacy;

import io.picflow.events.EncryptedText;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Seals personal free text into events and opens it again, with its owner's key ({@link UserKeys} in the service). What
 * was sealed for a user whose key is erased opens to nothing: that is how erasure reaches the immutable
 * event store, its snapshots, dead letters and backups (ADR 0011).
 */
@Component
public class PersonalData {

    private static final Logger log = LoggerFactory.getLogger(PersonalData.class);

    private final UserKeySource keys;

    public PersonalData(UserKeySource keys) {
        this.keys = keys;
    }

    /** {@code text} encrypted with {@code ownerId}'s key (created if need be); null stays null. */
    public EncryptedText seal(String ownerId, String text) {
        return text == null ? null : PersonalTextCipher.encrypt(keys.getOrCreate(ownerId), ownerId, text);
    }

    /** The text, or empty when there is none or its owner's key is erased. */
    public Optional<String> open(String ownerId, EncryptedText text) {
        if (text == null) {
            return Optional.empty();
        }
        Optional<byte[]> key = keys.find(ownerId);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(PersonalTextCipher.decrypt(key.get(), ownerId, text));
        } catch (IllegalArgumentException e) {
            // Not the owner's text, or altered: show nothing rather than fail the reader.
            log.warn("Personal text of user {} could not be opened: {}", ownerId, e.getMessage());
            return Optional.empty();
        }
    }

    /** The text, or null (see {@link #open}). */
    public String openOrNull(String ownerId, EncryptedText text) {
        return open(ownerId, text).orElse(null);
    }
}
