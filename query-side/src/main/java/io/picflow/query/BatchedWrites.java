package io.picflow.query;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Defers a projection's writes to the end of its batch of events, so that a batch of up to a hundred
 * events costs a few batched statements instead of a round trip (and a savepoint) per event.
 *
 * <p>Handlers add their change to a {@link Batch} that lives as long as the unit of work and is
 * flushed in its prepare-commit phase, in the batch's transaction. A failing flush cannot say which
 * event was at fault, so it rolls the whole batch back and records how far that batch reached: when
 * the processor retries those events, they are written one at a time, each in its own savepoint (see
 * {@link EventHandlerSavepoints}), and the one that fails is parked in the dead-letter queue as usual.
 * Events past that mark are batched again.
 */
@Component
public class BatchedWrites {

    private static final Logger log = LoggerFactory.getLogger(BatchedWrites.class);

    /** Changes collected for one processing group in one unit of work. */
    public interface Batch {
        /** Writes everything collected, in the current transaction. */
        void flush();
    }

    private final Set<String> batchingGroups = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> oneByOneThrough = new ConcurrentHashMap<>();

    /** Declares that {@code group}'s handlers write through this class (so they need no savepoint per event). */
    public void register(String group) {
        batchingGroups.add(group);
    }

    /**
     * Adds a change to {@code group}'s batch of type {@code type} for the current unit of work, or writes
     * it at once when the current event is not deferred: outside a processor's transaction, or while a
     * failed batch is retried one event at a time.
     */
    public <B extends Batch> void add(String group, Class<B> type, Supplier<B> newBatch, Consumer<B> change) {
        if (!deferring(group)) {
            B batch = newBatch.get();
            change.accept(batch);
            batch.flush();
            return;
        }
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get();
        unitOfWork.resources().put(deferringKey(group), Boolean.TRUE);
        Pending<B> pending = unitOfWork.getOrComputeResource(Pending.class.getName() + "/" + group + "/" + type.getName(), key -> {
            Pending<B> created = new Pending<>(failureKey(group), newBatch.get());
            unitOfWork.onPrepareCommit(u -> flush(created));
            return created;
        });
        position().ifPresent(position -> pending.through = Math.max(pending.through, position));
        change.accept(pending.batch);
    }

    /** Whether the current event's writes for {@code group} go to the end of the batch (and need no savepoint). */
    boolean deferring(String group) {
        // Only a processor's batch: not, for instance, the unit of work that retries one dead letter.
        if (!batchingGroups.contains(group) || !CurrentUnitOfWork.isStarted() || !(CurrentUnitOfWork.get() instanceof BatchingUnitOfWork)
                || !TransactionSynchronizationManager.isActualTransactionActive()) {
            return false;
        }
        // Once a batch defers a group's writes, it defers all the rest: a later event written at once would overtake
        // the deferred ones (another segment's failure can move the one-at-a-time mark while this batch is running).
        if (CurrentUnitOfWork.get().resources().containsKey(deferringKey(group))) {
            return true;
        }
        OptionalLong position = position();
        return position.isPresent() && position.getAsLong() > oneByOneThrough.getOrDefault(failureKey(group), Long.MIN_VALUE);
    }

    private static String deferringKey(String group) {
        return BatchedWrites.class.getName() + "/deferring/" + group;
    }

    /**
     * Where a failed batch is remembered: per processor, since a rebuild ({@link WriteTargets#inRebuild}) reads
     * the same positions as the live processor of its group but fails (or not) on its own.
     */
    private static String failureKey(String group) {
        return WriteTargets.inRebuild() ? group + WriteTargets.REBUILD_SUFFIX : group;
    }

    /** A new rebuild of {@code group} starts from the first event: what an earlier one failed on is not its concern. */
    public void forgetRebuildFailures(String group) {
        oneByOneThrough.remove(group + WriteTargets.REBUILD_SUFFIX);
    }

    private void flush(Pending<?> pending) {
        try {
            pending.batch.flush();
        } catch (RuntimeException e) {
            oneByOneThrough.merge(pending.group, pending.through, Math::max);
            log.warn("A batch of {} failed to write ({}); its events up to position {} are retried one at a "
                    + "time, so that the failing one is dead-lettered", pending.group, e.toString(), pending.through);
            throw e;
        }
    }

    private static OptionalLong position() {
        if (CurrentUnitOfWork.get().getMessage() instanceof TrackedEventMessage<?> tracked && tracked.trackingToken() != null) {
            return tracked.trackingToken().position();
        }
        return OptionalLong.empty();
    }

    private static final class Pending<B extends Batch> {
        final String group;
        final B batch;
        long through = Long.MIN_VALUE;

        Pending(String group, B batch) {
            this.group = group;
            this.batch = batch;
        }
    }
}
