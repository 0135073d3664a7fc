package io.picflow.query.live;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.wakeups.WakeUpChannels;
import io.picflow.platform.wakeups.WakeUpListener;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Delivers the live feed to subscribers. One tailer thread reads new frames from {@code live_feed}
 * in position order (woken by this node's projection after each commit, by a NOTIFY for frames
 * another node wrote, or, should that be lost, by a slow fallback poll) and offers each to every
 * subscriber, which queues it without blocking.
 *
 * <p>The seam between catch-up and live frames: a subscriber is registered first, so that every frame
 * the tailer reads from then on reaches it, and only then reads what it missed up to the feed's head
 * as it is at that moment. Frames up to that head are dropped from what arrived live meanwhile,
 * frames above it are sent after the catch-up: no gap, no duplicate.
 */
@Component
class LiveFeed implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    private static final int PAGE = 500;
    private static final int CATCH_UP_THREADS = 4;
    static final int CLOSE_TRY_AGAIN_LATER = 1013;

    private final LiveFeedStore store;
    private final LiveProperties properties;
    private final LiveMetrics metrics;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    /** Each subscriber's row in {@code ws_connection} ({@link OpenConnections}). */
    private final Map<Subscriber, String> connectionIds = new HashMap<>();
    private final OpenConnections connections;
    private final ExecutorService senders;
    /** Catch-ups read the database: a few at a time, so that reconnect storms cannot take every connection. */
    private final ExecutorService catchUps;
    private final ScheduledExecutorService expiries;
    private final Object wakeUps = new Object();
    private boolean wokenUp;
    private volatile Thread tailer;
    private long cursor;

    LiveFeed(LiveFeedStore store, LiveProperties properties, MeterRegistry registry, WakeUpListener wakeUps,
            OpenConnections connections) {
        this.connections = connections;
        this.store = store;
        // Frames written by other query nodes (WakeUpNotifier in LiveFeedProjection); this node's own wake it directly.
        wakeUps.subscribe(WakeUpChannels.LIVE_FEED, this::wakeUp);
        this.properties = properties;
        this.metrics = new LiveMetrics(registry, subscribers::size);
        AtomicInteger threads = new AtomicInteger();
        // Senders block while a connection's socket buffer is full (at most sendTimeout), so they
        // are not a small fixed pool that a few stuck readers could exhaust.
        this.senders = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "picflow-live-sender-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.catchUps = Executors.newFixedThreadPool(CATCH_UP_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "picflow-live-catch-up-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.expiries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "picflow-live-token-expiry");
            thread.setDaemon(true);
            return thread;
        });
    }

    LiveProperties properties() {
        return properties;
    }

    /** Frames were committed: look now rather than at the next poll. */
    void wakeUp() {
        synchronized (wakeUps) {
            wokenUp = true;
            wakeUps.notifyAll();
        }
    }

    /**
     * Registers a connection of {@code userId} following {@code subscription}, or returns null if the
     * connection limits are reached. Nothing is sent until {@link #start}.
     */
    Subscriber register(String userId, Subscription subscription, Subscriber.Sink sink) {
        synchronized (subscribers) {
            if (subscribers.size() >= properties.maxConnections()) {
                return null; // this node's own limit: its memory and threads
            }
        }
        String connection;
        try {
            connection = connections.tryOpen(userId); // the user's limit, across all query nodes
        } catch (RuntimeException databaseUnavailable) {
            return null; // nothing could be caught up from the feed either: the client tries again later
        }
        if (connection == null) {
            return null;
        }
        synchronized (subscribers) {
            Subscriber subscriber = new Subscriber(userId, subscription, sink, senders, metrics, properties.bufferFrames(),
                    properties.catchUpBufferFrames(), this::unsubscribe);
            subscribers.add(subscriber);
            connectionIds.put(subscriber, connection);
            return subscriber;
        }
    }

    /**
     * Starts sending: first what the subscriber missed after {@code after} (or, without it, the current
     * state of what it follows), then a {@code CaughtUp} frame, then live frames. Closes it with 4401
     * when its token expires.
     */
    void start(Subscriber subscriber, Long after, Instant tokenExpiresAt) {
        if (tokenExpiresAt != null) {
            long delay = Math.max(0, Duration.between(Instant.now(), tokenExpiresAt).toMillis());
            expiries.schedule(() -> subscriber.close(SocketHandshake.CLOSE_UNAUTHENTICATED, "Token expired"), delay, TimeUnit.MILLISECONDS);
        }
        catchUps.execute(() -> catchUp(subscriber, after));
    }

    /** Closes every connection of {@code userId} to this node. */
    void disconnect(String userId, int code, String reason) {
        List<Subscriber> theirs;
        synchronized (subscribers) {
            theirs = subscribers.stream().filter(s -> s.userId().equals(userId)).toList();
        }
        theirs.forEach(subscriber -> subscriber.close(code, reason));
    }

    void unsubscribe(Subscriber subscriber) {
        String connection;
        synchronized (subscribers) {
            subscribers.remove(subscriber);
            connection = connectionIds.remove(subscriber);
        }
        if (connection != null) {
            connections.closed(connection);
        }
    }

    private void catchUp(Subscriber subscriber, Long after) {
        Subscription subscription = subscriber.subscription();
        try {
            long seam;
            if (after != null) {
                subscriber.startAfter(after);
                seam = store.head();
                if (after > seam) {
                    subscriber.close(4400, "after=" + after + " is beyond the feed's head (" + seam + ")");
                    return;
                }
                long from = after;
                List<FeedEntry> page;
                do {
                    page = store.history(subscription, from, seam, PAGE);
                    // Read after the page: if retention removed frames past where this client stands, the page may
                    // lack some, and nothing sent after a gap is safe to resume from.
                    long removedThrough = store.removedThrough();
                    if (removedThrough > from) {
                        subscriber.close(SocketHandshake.CLOSE_HISTORY_GONE, "Frames up to position " + removedThrough
                                + " are no longer kept; reconnect without after=");
                        return;
                    }
                    for (FeedEntry entry : page) {
                        if (!subscriber.sendCatchUp(entry)) {
                            return;
                        }
                        from = entry.position();
                    }
                } while (page.size() == PAGE && !subscriber.isClosed());
            } else if (subscription.hasCurrentState()) {
                LiveFeedStore.Snapshot snapshot = store.snapshot(subscription, properties.currentStateLimit());
                seam = snapshot.head();
                for (FeedEntry download : snapshot.downloads()) {
                    subscriber.sendCatchUp(download);
                }
            } else {
                seam = store.head();
            }
            if (subscriber.sendCatchUp(seam, "{\"type\":\"CaughtUp\",\"position\":" + seam + "}")) {
                subscriber.goLive(seam);
            }
        } catch (IOException e) {
            subscriber.close(1011, "Send failed");
        } catch (RuntimeException e) {
            if (subscriber.isClosed()) {
                return; // the client left mid-catch-up
            }
            log.warn("Live feed: catch-up failed", e);
            subscriber.close(1011, "Catch-up failed; reconnect with after=");
        }
    }

    private void tail() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (deliverNewFrames() < PAGE) {
                    awaitWakeUp();
                }
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    /** Offers every frame after the cursor to every subscriber; returns how many there were. */
    private int deliverNewFrames() {
        try {
            List<FeedEntry> entries = store.after(cursor, PAGE);
            for (FeedEntry entry : entries) {
                for (Subscriber subscriber : subscribers) {
                    subscriber.offer(entry);
                }
                cursor = entry.position();
            }
            return entries.size();
        } catch (RuntimeException | Error e) {
            // Anything but stopping: live delivery must not end silently.
            log.warn("Live feed: reading or delivering new frames failed; trying again", e);
            return 0;
        }
    }

    private void awaitWakeUp() throws InterruptedException {
        synchronized (wakeUps) {
            if (!wokenUp) {
                wakeUps.wait(properties.pollInterval().toMillis());
            }
            wokenUp = false;
        }
    }

    @Override
    public void start() {
        cursor = store.head();
        Thread thread = new Thread(this::tail, "picflow-live-tailer");
        thread.setDaemon(true);
        tailer = thread;
        thread.start();
    }

    @Override
    public void stop() {
        Thread thread = tailer;
        tailer = null;
        if (thread != null) {
            thread.interrupt();
        }
        List.copyOf(subscribers).forEach(subscriber -> subscriber.close(1001, "Server shutting down"));
        catchUps.shutdownNow();
        expiries.shutdownNow();
        senders.shutdown();
    }

    @Override
    public boolean isRunning() {
        return tailer != null;
    }

    /** Before the web server starts accepting connections, after it stops. */
    @Override
    public int getPhase() {
        return 0;
    }
}
