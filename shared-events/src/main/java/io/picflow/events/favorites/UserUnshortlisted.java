package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} took {@code targetId} off their shortlist. The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserUnshortlisted(String actorId, String targetId) {
}
