package io.picflow.platform.admin;

import java.time.Instant;

/**
 * One stored event as the event browser shows it: the row of {@code domain_event_entry}, with the
 * payload and metadata as JSON rather than bytes. The payload is as stored, not upcast:
 * {@code revision} says which shape it has.
 *
 * <p>{@code payload} and {@code metaData} hold Jackson {@code JsonNode}s, written out as they are; they are
 * declared as {@code Object} so that the OpenAPI description shows them as free-form JSON instead of
 * describing the {@code JsonNode} class.
 *
 * @param position       the global index: the event's place in the store, which orders all events
 * @param eventId        the event's identifier
 * @param type           the payload's simple class name, e.g. {@code ImageDownloadRequested}
 * @param aggregateId    the aggregate it belongs to
 * @param aggregateType  the aggregate's type, e.g. {@code ImageDownload}
 * @param sequenceNumber its place in the aggregate's stream, from 0
 * @param timestamp      when it happened (the store keeps milliseconds)
 * @param revision       the payload's revision ({@code @Revision}), or null
 * @param payload        the payload; a JSON string of the raw bytes if they are not JSON
 * @param metaData       the metadata: correlationId, causationId, userId
 */
public record EventView(long position, String eventId, String type, String aggregateId, String aggregateType,
        long sequenceNumber, Instant timestamp, String revision, Object payload, Object metaData) {
}
