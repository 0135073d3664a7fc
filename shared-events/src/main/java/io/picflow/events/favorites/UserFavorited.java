package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} favorited {@code targetId}; {@code source} names where (e.g. {@code search_page}), may be null. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserFavorited(String actorId, String targetId, String source) {
}
