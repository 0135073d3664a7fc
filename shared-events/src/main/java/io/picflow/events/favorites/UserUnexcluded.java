package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} lifted their exclusion of {@code targetId}. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserUnexcluded(String actorId, String targetId) {
}
