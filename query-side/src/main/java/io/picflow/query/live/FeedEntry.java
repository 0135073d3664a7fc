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

    static String withPosition(long position, String frame) {
        return frame.length() <= 2
                ? "{\"position\":" + position + "}"
                : "{\"position\":" + position + "," + frame.substring(1);
    }
}
