package io.picflow.platform.axon;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.DeadLetterQueueOverflowException;
import org.axonframework.messaging.deadletter.EnqueueDecision;
import org.axonframework.messaging.deadletter.NoSuchDeadLetterException;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A processing group's dead-letter queue whose limits are configured (picflow.dead-letters.*) and whose overflow
 * is loud. When a queue is full, Axon refuses the next dead letter and the batch fails: the group stops where it
 * is and retries, so no event is ever skipped. Axon only logs that at WARN among every other retried batch; here
 * each refusal logs an ERROR naming the group and the way out, and counts in
 * {@code picflow.dead.letters.limit.reached{group}} (an alert's natural trigger). Everything else is delegated.
 *
 * @param <M> the messages in the queue
 */
public final class LimitedDeadLetterQueue<M extends Message<?>> implements SequencedDeadLetterQueue<M> {

    private static final Logger log = LoggerFactory.getLogger(LimitedDeadLetterQueue.class);

    private final SequencedDeadLetterQueue<M> delegate;
    private final String group;
    private final DeadLetterLimits limits;
    private final Counter limitReached;

    public LimitedDeadLetterQueue(SequencedDeadLetterQueue<M> delegate, String group, DeadLetterLimits limits, MeterRegistry meters) {
        this.delegate = delegate;
        this.group = group;
        this.limits = limits;
        this.limitReached = Counter.builder("picflow.dead.letters.limit.reached")
                .tag("group", group)
                .description("Dead letters refused because the group's dead-letter queue was full; the group stops until there is room")
                .register(meters);
    }

    public DeadLetterLimits limits() {
        return limits;
    }

    @Override
    public void enqueue(Object sequenceIdentifier, DeadLetter<? extends M> letter) throws DeadLetterQueueOverflowException {
        try {
            delegate.enqueue(sequenceIdentifier, letter);
        } catch (DeadLetterQueueOverflowException full) {
            limitReached.increment();
            log.error("Dead-letter queue of processing group {} is full (at most {} sequences of {} letters): the group stops "
                            + "at sequence {} and retries until there is room. Retry or evict its dead letters "
                            + "(/api/admin/dead-letters) or raise picflow.dead-letters.max-sequences / max-sequence-size",
                    group, limits.maxSequences(), limits.maxSequenceSize(), sequenceIdentifier);
            throw full;
        }
    }

    @Override
    public boolean enqueueIfPresent(Object sequenceIdentifier, java.util.function.Supplier<DeadLetter<? extends M>> letterBuilder)
            throws DeadLetterQueueOverflowException {
        // Not delegated: the interface's default calls this.enqueue, which counts an overflow.
        if (!contains(sequenceIdentifier)) {
            return false;
        }
        enqueue(sequenceIdentifier, letterBuilder.get());
        return true;
    }

    @Override
    public void evict(DeadLetter<? extends M> letter) {
        delegate.evict(letter);
    }

    @Override
    public void requeue(DeadLetter<? extends M> letter, UnaryOperator<DeadLetter<? extends M>> letterUpdater)
            throws NoSuchDeadLetterException {
        delegate.requeue(letter, letterUpdater);
    }

    @Override
    public boolean contains(Object sequenceIdentifier) {
        return delegate.contains(sequenceIdentifier);
    }

    @Override
    public Iterable<DeadLetter<? extends M>> deadLetterSequence(Object sequenceIdentifier) {
        return delegate.deadLetterSequence(sequenceIdentifier);
    }

    @Override
    public Iterable<Iterable<DeadLetter<? extends M>>> deadLetters() {
        return delegate.deadLetters();
    }

    @Override
    public boolean isFull(Object sequenceIdentifier) {
        return delegate.isFull(sequenceIdentifier);
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public long sequenceSize(Object sequenceIdentifier) {
        return delegate.sequenceSize(sequenceIdentifier);
    }

    @Override
    public long amountOfSequences() {
        return delegate.amountOfSequences();
    }

    @Override
    public boolean process(Predicate<DeadLetter<? extends M>> sequenceFilter,
            Function<DeadLetter<? extends M>, EnqueueDecision<M>> processingTask) {
        return delegate.process(sequenceFilter, processingTask);
    }

    @Override
    public boolean process(Function<DeadLetter<? extends M>, EnqueueDecision<M>> processingTask) {
        return delegate.process(processingTask);
    }

    @Override
    public void clear() {
        delegate.clear();
    }
}
