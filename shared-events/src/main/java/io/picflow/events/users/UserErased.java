package io.picflow.events.users;

import org.axonframework.serialization.Revision;

/**
 * The user asked to be forgotten ({@code DELETE /api/users/me}), and everything about them is gone: their
 * key (so every {@code EncryptedText} of theirs is unreadable), their contact details, their favorites,
 * shortlists and exclusions (dissolved with the usual events before this one) and their unfinished
 * downloads (cancelled). Read models delete what they hold about {@code userId} and keep nothing of it
 * from later events. The id itself stays: it is an opaque token subject, and it is how the service
 * refuses that subject from now on.
 */
@Revision("1")
public record UserErased(String userId) {
}
