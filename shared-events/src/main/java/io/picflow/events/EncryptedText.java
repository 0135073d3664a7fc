package io.picflow.events;

/**
 * Personal free text (a display name, a shortlist note, an exclusion reason) as it travels in events:
 * encrypted with the key of the user it belongs to, so that erasing that key makes every copy of it
 * unreadable, in the event store, its snapshots and backups alike (crypto-shredding, ADR 0011).
 *
 * <p>{@code ciphertext} is {@code v1.} followed by the unpadded base64url of a 12-byte IV, the
 * AES-256-GCM ciphertext and its 16-byte tag; the owner's id is the additional authenticated data, so a
 * ciphertext cannot be passed off as another user's. Which user owns the text is said by each event
 * ({@code UserRegistered.userId}). Readers open it with the owner's key from the {@code user_key} table;
 * once the key is erased it opens to nothing.
 *
 * <p>A text by one user about another ({@code UserShortlisted.note}, {@code UserExcluded.reason}: author
 * {@code actorId}, subject {@code targetId}) is {@code v1p.} and the same, under the HMAC-SHA256 of the
 * subject's key keyed with the author's (label {@code picflow personal text about another user v1}), with
 * author, NUL, subject as the authenticated data: erasing either user makes it unreadable.
 */
public record EncryptedText(String ciphertext) {

    public EncryptedText {
        if (ciphertext == null || ciphertext.isBlank()) {
            throw new IllegalArgumentException("ciphertext is required");
        }
    }
}
