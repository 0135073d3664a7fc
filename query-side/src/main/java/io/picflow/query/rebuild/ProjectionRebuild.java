package io.picflow.query.rebuild;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One rebuild of one read model: its state and progress, as the runner ({@link ProjectionRebuilds})
 * moves it along. Readable from any thread.
 */
public final class ProjectionRebuild {

    public enum State { RUNNING, COMPLETED, FAILED, CANCELLED }

    /** What a running rebuild is doing. */
    enum Phase { PREPARING, CATCHING_UP, HANDING_OVER, DONE }

    /** Thrown on the runner's thread once a cancel was asked for (and it is still possible). */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    private final String id;
    private final String projection;
    private final Clock clock;
    private final Instant startedAt;
    private final AtomicLong processed = new AtomicLong();
    private final CountDownLatch cancel = new CountDownLatch(1);
    private volatile State state = State.RUNNING;
    private volatile Phase phase = Phase.PREPARING;
    private volatile long startPosition = -1;
    private volatile long position = -1;
    private volatile long head = -1;
    private volatile Instant finishedAt;
    private volatile String error;

    ProjectionRebuild(String id, String projection, Clock clock) {
        this.id = id;
        this.projection = projection;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public String id() {
        return id;
    }

    String projection() {
        return projection;
    }

    public State state() {
        return state;
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Counts an event the rebuild's handlers were given. */
    void processed() {
        processed.incrementAndGet();
    }

    void phase(Phase phase) {
        this.phase = phase;
    }

    void moved(long position, long head) {
        if (startPosition < 0) {
            startPosition = position;
        }
        this.position = position;
        this.head = head;
    }

    void requestCancel() {
        cancel.countDown();
    }

    /** Waits up to {@code interval}; throws {@link Cancelled} if a cancel was asked for meanwhile. */
    void pauseOrCancel(Duration interval) throws InterruptedException {
        if (cancel.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new Cancelled();
        }
    }

    void checkNotCancelled() {
        if (cancel.getCount() == 0) {
            throw new Cancelled();
        }
    }

    void finish(State outcome, String error) {
        this.error = error;
        this.finishedAt = clock.instant();
        this.phase = Phase.DONE;
        this.state = outcome;
    }

    public RebuildProgress progress() {
        Instant end = finishedAt != null ? finishedAt : clock.instant();
        double seconds = Math.max(Duration.between(startedAt, end).toMillis(), 1) / 1000.0;
        double rate = processed.get() / seconds;
        // The ETA follows the position in the store (the handled events are a subset of it).
        double positionRate = position > startPosition && startPosition >= 0 ? (position - startPosition) / seconds : 0;
        Long eta = state != State.RUNNING ? Long.valueOf(0)
                : positionRate > 0 && head >= position ? Long.valueOf((long) Math.ceil((head - position) / positionRate)) : null;
        return new RebuildProgress("RebuildProgress", id, projection, state, phase.name(), processed.get(), position, head,
                Math.round(rate * 10) / 10.0, eta, startedAt, finishedAt, error);
    }
}
