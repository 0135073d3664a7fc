package io.picflow.platform.admin;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.deadletter.jdbc.JdbcDeadLetter;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.GenericDeadLetter;

/**
 * The identifier under which a dead-letter queue keeps a letter's sequence, as a string: what the admin
 * API shows and takes in its paths. Axon's queues do not hand it out directly, so it is read from the
 * letter where the queue stored it (the JDBC queue's column, the in-memory queue's letter), and otherwise
 * computed the way Axon computed it when parking the event: the group's sequencing policy (by aggregate
 * unless the group says otherwise), else the event's own identifier. Both Axon queues key a sequence by
 * the identifier itself when it is a string, else by its hash code; so does this.
 */
final class SequenceIds {

    private final SequencingPolicy<? super EventMessage<?>> policy;

    SequenceIds(SequencingPolicy<? super EventMessage<?>> policy) {
        this.policy = policy;
    }

    String of(DeadLetter<? extends EventMessage<?>> letter) {
        if (letter instanceof JdbcDeadLetter<?> stored) {
            return stored.getSequenceIdentifier();
        }
        Object id = letter instanceof GenericDeadLetter<?> generic ? generic.getSequenceIdentifier() : null;
        if (id == null) {
            EventMessage<?> message = letter.message();
            id = policy.getSequenceIdentifierFor(message);
            if (id == null) {
                id = message.getIdentifier();
            }
        }
        return id instanceof String text ? text : Integer.toString(id.hashCode());
    }
}
