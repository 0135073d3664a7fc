package io.picflow.platform.axon;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event store as a source for pooled streaming processors, with streams that tell when events
 * may be available. The embedded store's own streams cannot, so a pooled processor's coordinator
 * falls back to looking every 500 ms.
 *
 * <p>A sentinel consumer of the store (one thread, its own stream from the head) waits for events the
 * way a tracking processor does: the store's producer wakes it as soon as it has fetched new events,
 * right after a local append commits, or at its next poll ({@code picflow.axon.event-poll-interval})
 * for another process's appends. The sentinel then fires every stream's callback. Firing at commit
 * instead would be too early: the coordinator would look before the producer has fetched and find
 * nothing until the next wake-up.
 */
public class AvailabilityNotifyingEventSource implements StreamableMessageSource<TrackedEventMessage<?>>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AvailabilityNotifyingEventSource.class);

    private final EventStore store;
    private final Set<Runnable> callbacks = ConcurrentHashMap.newKeySet();
    private final Thread sentinel;
    private volatile boolean running = true;

    public AvailabilityNotifyingEventSource(EventStore store) {
        this.store = store;
        this.sentinel = new Thread(this::watch, "picflow-event-availability");
        sentinel.setDaemon(true);
        sentinel.start();
    }

    private void watch() {
        while (running) {
            try {
                watchOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                if (!running) {
                    return;
                }
                log.warn("Watching the event store for new events failed; starting again in a second", e);
                notifyAvailable(); // consumers look for themselves meanwhile
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void watchOnce() throws InterruptedException {
        try (BlockingStream<TrackedEventMessage<?>> stream = store.openStream(store.createHeadToken())) {
            while (running) {
                if (stream.hasNextAvailable(1, TimeUnit.SECONDS)) {
                    while (stream.hasNextAvailable()) {
                        stream.nextAvailable(); // only the arrival matters, never the payload
                    }
                    notifyAvailable();
                }
            }
        }
    }

    private void notifyAvailable() {
        for (Runnable callback : callbacks) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                // A processor that is stopping may refuse the wake-up; the others still get theirs.
                log.debug("An availability callback failed", e);
            }
        }
    }

    @Override
    public BlockingStream<TrackedEventMessage<?>> openStream(TrackingToken trackingToken) {
        return new NotifyingStream(store.openStream(trackingToken));
    }

    @Override
    public TrackingToken createTailToken() {
        return store.createTailToken();
    }

    @Override
    public TrackingToken createHeadToken() {
        return store.createHeadToken();
    }

    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        return store.createTokenAt(dateTime);
    }

    @Override
    public TrackingToken createTokenSince(Duration duration) {
        return store.createTokenSince(duration);
    }

    @Override
    public void close() {
        running = false;
        sentinel.interrupt();
    }

    /** The store's stream, plus the availability callback a pooled processor's coordinator asks for. */
    private final class NotifyingStream implements BlockingStream<TrackedEventMessage<?>> {

        private final BlockingStream<TrackedEventMessage<?>> delegate;
        private Runnable callback;

        NotifyingStream(BlockingStream<TrackedEventMessage<?>> delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean setOnAvailableCallback(Runnable callback) {
            if (this.callback != null) {
                callbacks.remove(this.callback);
            }
            this.callback = callback;
            callbacks.add(callback);
            return true;
        }

        @Override
        public Optional<TrackedEventMessage<?>> peek() {
            return delegate.peek();
        }

        @Override
        public boolean hasNextAvailable(int timeout, TimeUnit unit) throws InterruptedException {
            return delegate.hasNextAvailable(timeout, unit);
        }

        @Override
        public TrackedEventMessage<?> nextAvailable() throws InterruptedException {
            return delegate.nextAvailable();
        }

        @Override
        public void skipMessagesWithPayloadTypeOf(TrackedEventMessage<?> ignoredMessage) {
            delegate.skipMessagesWithPayloadTypeOf(ignoredMessage);
        }

        @Override
        public Stream<TrackedEventMessage<?>> asStream() {
            return delegate.asStream();
        }

        @Override
        public void close() {
            if (callback != null) {
                callbacks.remove(callback);
            }
            delegate.close();
        }
    }
}
