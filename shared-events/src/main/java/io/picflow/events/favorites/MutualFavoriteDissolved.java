package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code userA} and {@code userB} no longer favorite each other (ordered as when formed); {@code dissolvedBy} ended it. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record MutualFavoriteDissolved(String userA, String userB, String dissolvedBy) {
}
