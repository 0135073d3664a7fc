package io.picflow.events.users;

import org.axonframework.serialization.Revision;

/**
 * A user registered their public profile. Contact details (email) are personal data and never travel
 * in events: they live in the command side's contact store, keyed by {@code userId}, erasable on request.
 *
 * @param userId      the token subject of the user
 * @param displayName the public name shown to others
 */
@Revision("1")
public record UserRegistered(String userId, String displayName) {
}
