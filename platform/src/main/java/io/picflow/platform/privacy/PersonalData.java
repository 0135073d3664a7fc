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

    /**
     * {@code text} by {@code authorId} about {@code subjectId} (a shortlist note, an exclusion reason), encrypted so
     * that erasing either user makes it unreadable; null stays null.
     */
    public EncryptedText sealAbout(String authorId, String subjectId, String text) {
        return text == null ? null
                : PersonalTextCipher.encryptAbout(keys.getOrCreate(authorId), keys.getOrCreate(subjectId), authorId, subjectId, text);
    }

    /** The text by {@code authorId} about {@code subjectId}, or empty when there is none or either user is erased. */
    public Optional<String> openAbout(String authorId, String subjectId, EncryptedText text) {
        if (text == null) {
            return Optional.empty();
        }
        Optional<byte[]> authorKey = keys.find(authorId);
        Optional<byte[]> subjectKey = authorKey.isEmpty() ? Optional.empty() : keys.find(subjectId);
        if (subjectKey.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(PersonalTextCipher.decryptAbout(authorKey.get(), subjectKey.get(), authorId, subjectId, text));
        } catch (IllegalArgumentException e) {
            log.warn("Personal text of user {} about {} could not be opened: {}", authorId, subjectId, e.getMessage());
            return Optional.empty();
        }
    }

    /** The text, or null (see {@link #openAbout}). */
    public String openAboutOrNull(String authorId, String subjectId, EncryptedText text) {
        return openAbout(authorId, subjectId, text).orElse(null);
    }

    /** The text, or null (see {@link #open}). */
    public String openOrNull(String ownerId, EncryptedText text) {
        return open(ownerId, text).orElse(null);
    }
}
