package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.GenericTrackedEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The order of a batch's writes: whatever it defers is written after whatever it wrote at once, so once it defers
 * it must defer the rest, even when another segment's failed batch moves the one-at-a-time mark meanwhile.
 */
class BatchedWritesTest {

    private static final String GROUP = "downloads";

    private final BatchedWrites writes = new BatchedWrites();
    /** What reached the database, in order. */
    private final List<String> written = new ArrayList<>();

    /** A batch that writes what it collected to {@link #written}, or fails if it collected "poison". */
    private final class Recording implements BatchedWrites.Batch {
        final List<String> collected = new ArrayList<>();

        @Override
        public void flush() {
            if (collected.contains("poison")) {
                throw new IllegalStateException("value too long");
            }
            written.addAll(collected);
            collected.clear();
        }
    }

    @BeforeEach
    void inTransaction() {
        writes.register(GROUP);
        TransactionSynchronizationManager.setActualTransactionActive(true);
    }

    @AfterEach
    void noTransaction() {
        TransactionSynchronizationManager.setActualTransactionActive(false);
    }

    @Test
    void a_batch_that_deferred_a_write_defers_the_rest_although_another_batch_failed_meanwhile() throws Exception {
        BatchingUnitOfWork<EventMessage<?>> batch = new BatchingUnitOfWork<>(List.of(event(10, "request"), event(20, "progress")));
        batch.executeWithResult(() -> {
            TrackedEventMessage<?> event = (TrackedEventMessage<?>) batch.getMessage();
            if (batch.isLastMessage()) {
                // Another segment's batch, up to position 30, fails while ours is between its two events.
                CompletableFuture.runAsync(() -> failBatchUpTo(30)).join();
            }
            writes.add(GROUP, Recording.class, Recording::new, recording -> recording.collected.add((String) event.getPayload()));
            return null;
        });

        // Not "progress" first (written at once, before the request it updates was deferred to the end).
        assertThat(written).containsExactly("request", "progress");
    }

    @Test
    void after_a_failed_batch_its_events_are_written_one_at_a_time_and_later_ones_deferred_again() throws Exception {
        CompletableFuture.runAsync(() -> failBatchUpTo(30)).join();
        List<String> seenAtEachEvent = new ArrayList<>();
        BatchingUnitOfWork<EventMessage<?>> batch = new BatchingUnitOfWork<>(List.of(event(25, "at once"), event(40, "deferred")));
        batch.executeWithResult(() -> {
            TrackedEventMessage<?> event = (TrackedEventMessage<?>) batch.getMessage();
            writes.add(GROUP, Recording.class, Recording::new, recording -> recording.collected.add((String) event.getPayload()));
            seenAtEachEvent.add(String.join(",", written));
            return null;
        });
        assertThat(seenAtEachEvent).containsExactly("at once", "at once");
        assertThat(written).containsExactly("at once", "deferred");
    }

    /** A batch of another segment, which deferred a poison write up to {@code position} and failed to flush it. */
    private void failBatchUpTo(long position) {
        TransactionSynchronizationManager.setActualTransactionActive(true);
        BatchingUnitOfWork<EventMessage<?>> other = new BatchingUnitOfWork<>(List.of(event(position, "poison")));
        try {
            other.executeWithResult(() -> {
                writes.add(GROUP, Recording.class, Recording::new, recording -> recording.collected.add("poison"));
                return null;
            });
        } catch (RuntimeException expected) {
            // the flush failed, as it should
        } finally {
            TransactionSynchronizationManager.setActualTransactionActive(false);
        }
        assertThat(written).doesNotContain("poison");
    }

    private static TrackedEventMessage<?> event(long position, String payload) {
        return new GenericTrackedEventMessage<>(new GlobalSequenceTrackingToken(position), GenericEventMessage.asEventMessage(payload));
    }
}
