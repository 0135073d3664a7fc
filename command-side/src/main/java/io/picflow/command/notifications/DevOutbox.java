package io.picflow.command.notifications;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What SMS and push would have sent, in the embedded run (no provider configured, dev tokens on): the stand-in
 * provider of those channels there, as the embedded SMTP server is email's. In memory, the newest
 * {@value #LIMIT} only; {@code GET /api/dev/outbox} lists them.
 *
 * <p>{@code to}: a phone number, or a device id (never its token: tokens are credentials).
 */
public class DevOutbox {

    static final int LIMIT = 1_000;

    public record Entry(Instant at, String channel, String provider, String deliveryId, String to, String title, String body) {
    }

    private final Deque<Entry> entries = new ArrayDeque<>();

    public synchronized void record(String channel, String provider, String deliveryId, String to, String title, String body) {
        entries.addFirst(new Entry(Instant.now(), channel, provider, deliveryId, to, title, body));
        while (entries.size() > LIMIT) {
            entries.removeLast();
        }
    }

    /** Newest first. */
    public synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }
}
