package io.picflow.events.favorites;

import io.picflow.events.EncryptedText;
import org.axonframework.serialization.Revision;

/** {@code actorId} put {@code targetId} on their private shortlist, or changed the note of that entry. Revision 2: the note, if any, is encrypted for {@code actorId} about {@code targetId}: it opens only while both users' keys exist (revision 1 carried it in clear). The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("2")
public record UserShortlisted(String actorId, String targetId, EncryptedText note) {
}
