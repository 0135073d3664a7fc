package io.picflow.query.rebuild;

import java.time.Instant;

/**
 * What {@code GET /api/admin/projections/{name}/rebuild/{rebuildId}} and the admins' WebSocket stream
 * report about a rebuild. {@code position} is how far the rebuild has read the event store, {@code head}
 * the last event in the store, which the rebuild must reach before it can take over.
 */
public record RebuildProgress(String type, String rebuildId, String projection, ProjectionRebuild.State state, String phase,
        long eventsProcessed, long position, long head, double eventsPerSecond, Long etaSeconds, Instant startedAt,
        Instant finishedAt, String error) {
}
