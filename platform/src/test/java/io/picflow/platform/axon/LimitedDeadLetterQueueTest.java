package io.picflow.platform.axon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.deadletter.DeadLetterQueueOverflowException;
import org.axonframework.messaging.deadletter.GenericDeadLetter;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.junit.jupiter.api.Test;

/** The configured limits hold, and reaching one is counted (Axon's own queue refuses silently to the operator). */
class LimitedDeadLetterQueueTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final SequencedDeadLetterQueue<EventMessage<?>> queue = DeadLetterQueues.inMemory("downloads", new DeadLetterLimits(2, 3), meters);

    @Test
    void a_full_queue_refuses_a_new_sequence_and_counts_it() {
        queue.enqueue("a", letter("a"));
        queue.enqueue("b", letter("b"));

        assertThatThrownBy(() -> queue.enqueue("c", letter("c"))).isInstanceOf(DeadLetterQueueOverflowException.class);

        assertThat(queue.amountOfSequences()).isEqualTo(2);
        assertThat(limitReached()).isEqualTo(1);
    }

    @Test
    void a_full_sequence_refuses_its_next_event_also_when_it_follows_a_parked_one() {
        for (int i = 0; i < 3; i++) {
            assertThat(queue.enqueueIfPresent("a", () -> letter("a"))).isEqualTo(i > 0);
            if (i == 0) {
                queue.enqueue("a", letter("a"));
            }
        }
        assertThat(queue.sequenceSize("a")).isEqualTo(3);

        assertThatThrownBy(() -> queue.enqueueIfPresent("a", () -> letter("a"))).isInstanceOf(DeadLetterQueueOverflowException.class);

        assertThat(queue.sequenceSize("a")).isEqualTo(3);
        assertThat(limitReached()).isEqualTo(1);
        assertThat(queue.enqueueIfPresent("other", () -> letter("other"))).isFalse();
    }

    @Test
    void limits_below_one_are_refused_at_start_up() {
        assertThatThrownBy(() -> new DeadLetterLimits(0, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    private double limitReached() {
        return meters.get("picflow.dead.letters.limit.reached").tag("group", "downloads").counter().count();
    }

    private static GenericDeadLetter<EventMessage<?>> letter(String sequence) {
        return new GenericDeadLetter<>(sequence, GenericEventMessage.asEventMessage("event of " + sequence));
    }
}
