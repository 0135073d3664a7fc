package io.picflow.events.favorites;

import org.axonframework.serialization.Revision;

/** {@code actorId} no longer favorites {@code targetId}: they said so ({@code cause} {@code USER}), or one of the two excluded the other ({@code EXCLUSION}). The time is the event's timestamp; the correlation travels in its metadata. */
@Revision("1")
public record UserUnfavorited(String actorId, String targetId, String cause) {
}
