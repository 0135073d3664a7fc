package io.picflow.query.live;

import java.time.Instant;

/**
 * One frame of the live feed, as stored and as sent.
 *
 * @param frame the JSON object without its position
 */
record FeedEntry(long position, String type, String downloadId, String owner, Instant occurredAt, boolean progress,
        String frame) {

    /** The frame as it goes on the wire: the position first, then the stored fields. */
    String text() {
        return withPosition(position, frame);
    }

    /** The frame as it goes to {@code userId}'s connection: as stored for the owner, redacted for anyone else (an admin). */
    String textFor(String userId) {
        return userId.equals(owner) ? text() : withPosition(position, RedactedFrames.forOthers(frame));
    }

    static String withPosition(long position, String frame) {
        return frame.length() <= 2
                ? "{\"position\":" + position + "}"
                : "{\"position\":" + position + "," + frame.substring(1);
    }
}
