package io.picflow.query;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.stereotype.Component;

/**
 * Lets a query wait, briefly, for a projection to catch up with a write the caller just made
 * (read-your-writes). Projections signal after their transaction commits; a waiter rechecks at
 * least every 50 ms, which also covers projections running on another node.
 */
@Component
public class ReadModelUpdates {

    private static final long RECHECK_MILLIS = 50;

    private final Object monitor = new Object();
    private long version;

    /** Call from an event handler: wakes waiters once the handler's transaction has committed. */
    public void signalAfterCommit() {
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(unitOfWork -> signal());
        } else {
            signal();
        }
    }

    /** Wakes waiters now: for changes that are already visible (an in-memory read model after its commit). */
    public void signal() {
        synchronized (monitor) {
            version++;
            monitor.notifyAll();
        }
    }

    /** Repeats {@code lookup} until it finds something or {@code timeout} passes. */
    public <T> Optional<T> awaitPresent(Supplier<Optional<T>> lookup, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen;
            synchronized (monitor) {
                seen = version;
            }
            Optional<T> found = lookup.get();
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (found.isPresent() || remainingMillis <= 0) {
                return found;
            }
            synchronized (monitor) {
                if (version == seen) {
                    try {
                        monitor.wait(Math.min(remainingMillis, RECHECK_MILLIS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return found;
                    }
                }
            }
        }
    }
}
