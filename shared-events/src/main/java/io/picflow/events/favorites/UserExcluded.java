package io.picflow.events.favorites;

import io.picflow.events.EncryptedText;
import org.axonframework.serialization.Revision;

/** {@code actorId} excluded {@code targetId}: favorites between the two are removed, and {@code targetId} can no longer favorite {@code actorId}. Revision 2: the reason, if any, is encrypted for {@code actorId} about {@code targetId}: it opens only while both users' keys exist (revision 1 carried it in clear). The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("2")
public record UserExcluded(String actorId, String targetId, EncryptedText reason) {
}
