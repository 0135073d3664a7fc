package io.picflow.events.users;

import io.picflow.events.EncryptedText;
import org.axonframework.serialization.Revision;

/**
 * A user registered their public profile. Contact details (email) are personal data and never travel
 * in events: they live in the command side's contact store, keyed by {@code userId}, erasable on request.
 *
 * <p>Revision 2: the display name is encrypted with the user's key (revision 1 carried it in clear; the
 * event store's migration V5 rewrote every stored revision 1 event).
 *
 * @param userId      the token subject of the user (an opaque id)
 * @param displayName the public name shown to others, encrypted with {@code userId}'s key
 */
@Revision("2")
public record UserRegistered(String userId, EncryptedText displayName) {
}
