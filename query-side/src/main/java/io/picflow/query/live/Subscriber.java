package io.picflow.query.live;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One connection's outbound side. The tailer offers it every feed entry and never waits for it:
 * matching entries go to a bounded queue that a sender thread drains. Once a reader has a backlog
 * (an eighth of the buffer), a newer progress frame of a download replaces the queued one (coalescing); state changes are never
 * dropped, so a reader that lets the queue overflow is closed with 4429 and resumes with {@code after=}.
 * Frames leave in strictly increasing position order, so the last position received is always a
 * safe resume point.
 */
final class Subscriber {

    static final int CLOSE_TOO_SLOW = 4429;

    /** Where frames go: the WebSocket session, or a test's collector. */
    interface Sink {
        void send(String text) throws IOException;

        void close(int code, String reason);
    }

    private final String userId;
    private final Subscription subscription;
    private final Sink sink;
    private final Consumer<Subscriber> onClosed;
    private final Executor sender;
    private final LiveMetrics metrics;
    private final int maxQueued;
    private final int coalesceAbove;
    private final int maxPending;

    // All guarded by this.
    private final ArrayDeque<FeedEntry> queue = new ArrayDeque<>();
    private final Map<String, FeedEntry> queuedProgress = new HashMap<>();
    /** Live entries that arrive while the subscriber is still catching up; null once live. */
    private List<FeedEntry> pending = new ArrayList<>();
    /** The highest position queued or sent. */
    private long cursor;
    private boolean draining;
    private boolean closed;
    /** The position of the last frame handed to the connection: the client has everything up to it. */
    private volatile long sentUpTo;

    Subscriber(String userId, Subscription subscription, Sink sink, Executor sender, LiveMetrics metrics, int maxQueued,
            int maxPending, Consumer<Subscriber> onClosed) {
        this.userId = userId;
        this.subscription = subscription;
        this.sink = sink;
        this.onClosed = onClosed;
        this.sender = sender;
        this.metrics = metrics;
        this.maxQueued = maxQueued;
        // A reader that keeps up gets every progress frame, even in a burst; one with a backlog gets the latest.
        this.coalesceAbove = Math.max(1, maxQueued / 8);
        this.maxPending = maxPending;
    }

    Subscription subscription() {
        return subscription;
    }

    String userId() {
        return userId;
    }

    /** Where the client starts: everything up to {@code position} it has (or does not want). */
    void startAfter(long position) {
        sentUpTo = position;
    }

    /** Called by the tailer for every entry, in position order; never blocks on the connection. */
    void offer(FeedEntry entry) {
        if (!subscription.matches(entry)) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending != null) {
                pending.add(entry);
                if (pending.size() > maxPending) {
                    tooSlow();
                }
                return;
            }
            enqueue(entry);
        }
        drainSoon();
    }

    /** Catch-up of a feed entry, as this subscriber may see it ({@link FeedEntry#textFor}). */
    boolean sendCatchUp(FeedEntry entry) throws IOException {
        return sendCatchUp(entry.position(), entry.textFor(userId));
    }

    /** Catch-up: sends directly, on the catching-up thread, before any live frame; false once closed. */
    boolean sendCatchUp(long position, String text) throws IOException {
        if (isClosed()) {
            return false;
        }
        sink.send(text);
        metrics.frameSent();
        sentUpTo = position;
        return true;
    }

    /**
     * Ends catch-up: everything up to {@code seam} has been sent, so queued live entries at or below it
     * are dropped and the rest follow in order.
     */
    void goLive(long seam) {
        synchronized (this) {
            if (closed) {
                return;
            }
            cursor = Math.max(cursor, seam);
            sentUpTo = Math.max(sentUpTo, seam);
            List<FeedEntry> arrived = pending;
            pending = null;
            for (FeedEntry entry : arrived) {
                enqueue(entry);
                if (closed) {
                    return;
                }
            }
        }
        drainSoon();
    }

    void close(int code, String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            queuedProgress.clear();
            pending = null;
        }
        onClosed.accept(this);
        sender.execute(() -> sink.close(code, reason));
    }

    /** The connection is gone: stop queueing for it. */
    void disconnected() {
        synchronized (this) {
            closed = true;
            queue.clear();
            queuedProgress.clear();
            pending = null;
        }
        onClosed.accept(this);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void enqueue(FeedEntry entry) {
        if (entry.position() <= cursor) {
            return;
        }
        cursor = entry.position();
        if (entry.progress()) {
            FeedEntry older = queuedProgress.put(entry.downloadId(), entry);
            if (older != null && queue.size() >= coalesceAbove) {
                queue.remove(older);
                metrics.frameCoalesced();
            }
        } else {
            queuedProgress.remove(entry.downloadId());
        }
        queue.addLast(entry);
        if (queue.size() > maxQueued) {
            tooSlow();
        }
    }

    private void tooSlow() {
        metrics.slowSubscriberClosed();
        long resumeAfter = sentUpTo;
        closed = true;
        queue.clear();
        queuedProgress.clear();
        pending = null;
        onClosed.accept(this);
        sender.execute(() -> sink.close(CLOSE_TOO_SLOW, "Too far behind; reconnect with after=" + resumeAfter));
    }

    private void drainSoon() {
        synchronized (this) {
            if (draining || closed || queue.isEmpty()) {
                return;
            }
            draining = true;
        }
        sender.execute(this::drain);
    }

    private void drain() {
        while (true) {
            FeedEntry next;
            synchronized (this) {
                next = closed ? null : queue.pollFirst();
                if (next == null) {
                    draining = false;
                    return;
                }
                queuedProgress.remove(next.downloadId(), next);
            }
            try {
                sink.send(next.textFor(userId));
                sentUpTo = next.position();
                metrics.frameSent();
                metrics.latency(Duration.between(next.occurredAt(), Instant.now()));
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    draining = false;
                }
                close(1011, "Send failed");
                return;
            }
        }
    }
}
