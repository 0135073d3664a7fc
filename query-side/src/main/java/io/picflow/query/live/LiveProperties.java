package io.picflow.query.live;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Tuning of the WebSocket feed ({@code picflow.live.*}; defaults in picflow-query-side.properties).
 *
 * @param bufferFrames         frames queued per connection before a slow reader is closed with 4429
 *                             (progress frames are coalesced first, so these are mostly state changes)
 * @param catchUpBufferFrames  live frames held per connection while it is still catching up
 * @param pollInterval         the fallback look for frames written by another node, should their NOTIFY be
 *                             lost; frames of other nodes wake the tailer by NOTIFY, this node's directly
 * @param sendTimeout          how long one frame may take to leave before the connection is given up
 * @param currentStateLimit    how many downloads a connection without {@code after=} is shown (latest first)
 * @param maxConnections       open connections per node; beyond, new ones are closed with 1013 (try again later)
 * @param maxConnectionsPerUser open connections per user on all query nodes together (OpenConnections); beyond, 1013
 * @param ticketTtl            how long a ticket from {@code POST /api/ws-tickets} is valid (never beyond its token)
 * @param maxTicketsPerUser    unexpired tickets a user may hold; beyond, 429 (so that nobody can fill the table)
 * @param retention            how long frames are kept for clients that resume with {@code after=} (LiveFeedRetention)
 * @param retentionCheckInterval how often the query side's scheduler removes older frames
 */
@ConfigurationProperties("picflow.live")
record LiveProperties(int bufferFrames, int catchUpBufferFrames, Duration pollInterval, Duration sendTimeout,
        int currentStateLimit, int maxConnections, int maxConnectionsPerUser, Duration ticketTtl, int maxTicketsPerUser,
        Duration retention, Duration retentionCheckInterval) {
}
