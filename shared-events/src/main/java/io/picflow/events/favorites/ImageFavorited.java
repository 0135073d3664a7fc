package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} favorited the stored image {@code imageId}; {@code source} names where, may be null. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record ImageFavorited(String actorId, String imageId, String source) {
}
