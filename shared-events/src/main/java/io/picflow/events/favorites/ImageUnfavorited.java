package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} no longer favorites the image {@code imageId}. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record ImageUnfavorited(String actorId, String imageId) {
}
