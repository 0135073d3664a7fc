package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} excluded {@code targetId}: favorites between the two are removed, and {@code targetId} can no longer favorite {@code actorId}. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserExcluded(String actorId, String targetId, String reason) {
}
