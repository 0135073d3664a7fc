package io.picflow.platform.admin;

import io.picflow.platform.web.ProblemException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.deadletter.Cause;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.SequencedDeadLetterProcessor;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;

/**
 * Lists, retries and evicts the events parked in the dead-letter queues of the processing groups of
 * whichever side(s) run in this application (docs/adr/0007-projection-failures.md). Everything goes
 * through Axon's own queue and processor of each group, so it works for the JDBC queues and the cache's
 * in-memory one alike, and a retry runs the group's handlers the way the processor would (same
 * interceptors, transaction and enqueue policy: a sequence that fails again stays parked, with the new
 * cause).
 *
 * <p>Processing groups are found among the event processors' names: Axon names a processor after its
 * processing group unless told otherwise, and picflow never tells it otherwise.
 */
public class DeadLetterAdmin {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterAdmin.class);

    /** Letters listed per sequence: a sequence parks every later event of its aggregate, which may be many. */
    static final int LETTERS_PER_SEQUENCE = 50;
    static final int MAX_PAGE_SIZE = 100;

    public record GroupSummary(String processingGroup, long sequences, long letters) {
    }

    public record SequencePage(String processingGroup, int page, int size, long total, List<SequenceView> sequences) {
    }

    /** {@code letters}: the first {@link #LETTERS_PER_SEQUENCE}, oldest first; {@code size}: how many there are. */
    public record SequenceView(String sequenceId, long size, List<LetterView> letters) {
    }

    public record LetterView(String eventId, String type, String aggregateId, Long sequenceNumber, Instant timestamp,
            Instant enqueuedAt, Instant lastTouched, CauseView cause, Map<String, Object> diagnostics) {
    }

    public record CauseView(String type, String message) {
    }

    public record RetryReport(int retried, int succeeded, int stillFailing) {
    }

    public record RetryResult(boolean succeeded) {
    }

    private final EventProcessingConfiguration processing;

    public DeadLetterAdmin(@Lazy EventProcessingConfiguration processing) {
        this.processing = processing;
    }

    /** Every processing group with a dead-letter queue, by name, with its number of sequences and letters. */
    public List<GroupSummary> groups() {
        return processing.eventProcessors().keySet().stream().sorted()
                .filter(name -> processing.sequencedDeadLetterProcessor(name).isPresent())
                .map(this::group)
                .map(group -> new GroupSummary(group.name(), group.queue().amountOfSequences(), group.queue().size()))
                .toList();
    }

    /** One page of the group's parked sequences, in the queue's order. */
    public SequencePage sequences(String groupName, int page, int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw ProblemException.badRequest("page must be at least 0 and size between 1 and " + MAX_PAGE_SIZE);
        }
        Group group = group(groupName);
        Iterator<Iterable<DeadLetter<? extends EventMessage<?>>>> sequences = group.queue().deadLetters().iterator();
        for (long skip = (long) page * size; skip > 0 && sequences.hasNext(); skip--) {
            sequences.next();
        }
        List<SequenceView> views = new ArrayList<>();
        while (views.size() < size && sequences.hasNext()) {
            List<DeadLetter<? extends EventMessage<?>>> letters = first(sequences.next(), LETTERS_PER_SEQUENCE);
            if (letters.isEmpty()) {
                continue; // retried or evicted meanwhile
            }
            String id = group.ids().of(letters.get(0));
            long total = letters.size() < LETTERS_PER_SEQUENCE ? letters.size() : group.queue().sequenceSize(id);
            views.add(new SequenceView(id, total, letters.stream().map(DeadLetterAdmin::letterView).toList()));
        }
        return new SequencePage(group.name(), page, size, group.queue().amountOfSequences(), views);
    }

    /**
     * Retries each sequence parked at the moment of the call, once: the identifiers are collected first,
     * so that a sequence that fails again (and is parked again) is not retried in a loop.
     */
    public RetryReport retryAll(String groupName) {
        Group group = group(groupName);
        Set<String> ids = new LinkedHashSet<>();
        for (Iterable<DeadLetter<? extends EventMessage<?>>> sequence : group.queue().deadLetters()) {
            Iterator<DeadLetter<? extends EventMessage<?>>> letters = sequence.iterator();
            if (letters.hasNext()) {
                ids.add(group.ids().of(letters.next()));
            }
        }
        int succeeded = 0;
        int stillFailing = 0;
        for (String id : ids) {
            if (retry(group, id)) {
                succeeded++;
            } else if (group.queue().contains(id)) {
                stillFailing++;
            }
        }
        return new RetryReport(ids.size(), succeeded, stillFailing);
    }

    /** Retries one sequence: its letters in order, until one fails again (it stays parked, with the new cause). */
    public RetryResult retry(String groupName, String sequenceId) {
        Group group = group(groupName);
        if (!group.queue().contains(sequenceId)) {
            throw noSuchSequence(group, sequenceId);
        }
        return new RetryResult(retry(group, sequenceId));
    }

    /**
     * Drops every letter of a sequence: its events are never applied to the group's read model. Letters
     * parked behind it after this call started (a later event of the same aggregate) are not dropped.
     */
    public void evict(String groupName, String sequenceId) {
        Group group = group(groupName);
        List<DeadLetter<? extends EventMessage<?>>> letters = first(group.queue().deadLetterSequence(sequenceId), Integer.MAX_VALUE);
        if (letters.isEmpty()) {
            throw noSuchSequence(group, sequenceId);
        }
        letters.forEach(group.queue()::evict);
        log.info("Evicted {} dead letter(s) of sequence [{}] of processing group [{}]", letters.size(), sequenceId, group.name());
    }

    private boolean retry(Group group, String sequenceId) {
        try {
            // Axon offers the first letter of each sequence it can claim (not being retried elsewhere) to the filter.
            return group.processor().process(letter -> sequenceId.equals(group.ids().of(letter)));
        } catch (RuntimeException e) {
            // A transient failure (the policy rethrows it instead of parking again): the letters stay as they were.
            log.warn("Retrying sequence [{}] of processing group [{}] failed", sequenceId, group.name(), e);
            return false;
        }
    }

    private Group group(String name) {
        if (!processing.eventProcessors().containsKey(name)) {
            throw ProblemException.notFound("No processing group " + name);
        }
        SequencedDeadLetterQueue<EventMessage<?>> queue = processing.deadLetterQueue(name).orElse(null);
        SequencedDeadLetterProcessor<EventMessage<?>> processor = processing.sequencedDeadLetterProcessor(name).orElse(null);
        if (queue == null || processor == null) {
            throw ProblemException.notFound("Processing group " + name + " has no dead-letter queue");
        }
        return new Group(name, queue, processor, new SequenceIds(processing.sequencingPolicy(name)));
    }

    private static ProblemException noSuchSequence(Group group, String sequenceId) {
        return ProblemException.notFound("No dead letters of sequence " + sequenceId + " in processing group " + group.name());
    }

    private static List<DeadLetter<? extends EventMessage<?>>> first(Iterable<DeadLetter<? extends EventMessage<?>>> sequence,
            int limit) {
        List<DeadLetter<? extends EventMessage<?>>> letters = new ArrayList<>();
        Iterator<DeadLetter<? extends EventMessage<?>>> iterator = sequence.iterator();
        while (letters.size() < limit && iterator.hasNext()) {
            letters.add(iterator.next());
        }
        return letters;
    }

    private static LetterView letterView(DeadLetter<? extends EventMessage<?>> letter) {
        EventMessage<?> message = letter.message();
        DomainEventMessage<?> domain = message instanceof DomainEventMessage<?> d ? d : null;
        CauseView cause = letter.cause().map(DeadLetterAdmin::causeView).orElse(null);
        return new LetterView(message.getIdentifier(), message.getPayloadType().getSimpleName(),
                domain == null ? null : domain.getAggregateIdentifier(), domain == null ? null : domain.getSequenceNumber(),
                message.getTimestamp(), letter.enqueuedAt(), letter.lastTouched(), cause, diagnostics(letter));
    }

    private static CauseView causeView(Cause cause) {
        return new CauseView(cause.type(), cause.message());
    }

    /** Diagnostics are free-form metadata: anything but plain JSON values is shown as text. */
    private static Map<String, Object> diagnostics(DeadLetter<?> letter) {
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        letter.diagnostics().forEach((key, value) -> diagnostics.put(key,
                value == null || value instanceof String || value instanceof Number || value instanceof Boolean ? value : String.valueOf(value)));
        return diagnostics;
    }

    private record Group(String name, SequencedDeadLetterQueue<EventMessage<?>> queue,
            SequencedDeadLetterProcessor<EventMessage<?>> processor, SequenceIds ids) {
    }
}
