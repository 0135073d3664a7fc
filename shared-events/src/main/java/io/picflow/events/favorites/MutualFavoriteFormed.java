package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code userA} and {@code userB} now favorite each other (ordered: {@code userA} sorts first); {@code completedBy} made it mutual. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record MutualFavoriteFormed(String userA, String userB, String completedBy) {
}
