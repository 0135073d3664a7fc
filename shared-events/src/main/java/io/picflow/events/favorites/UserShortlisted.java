package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} put {@code targetId} on their private shortlist, or changed the note of that entry. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserShortlisted(String actorId, String targetId, String note) {
}
