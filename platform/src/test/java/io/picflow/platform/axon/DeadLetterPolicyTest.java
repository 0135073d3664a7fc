package io.picflow.platform.axon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.deadletter.GenericDeadLetter;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;

/** What gets parked: failures that will not go away by themselves; transient ones are retried instead. */
class DeadLetterPolicyTest {

    private final GenericDeadLetter<EventMessage<?>> letter =
            new GenericDeadLetter<>("sequence", GenericEventMessage.asEventMessage("payload"));

    @Test
    void a_failure_the_data_causes_is_parked_with_its_cause() {
        var cause = new DataIntegrityViolationException("value too long for type character varying(100)");
        var decision = DeadLetterQueues.parkUnlessTransient(letter, cause);
        assertThat(decision.shouldEnqueue()).isTrue();
        assertThat(decision.enqueueCause()).hasValueSatisfying(c -> assertThat(c.getMessage()).contains("value too long"));
    }

    @Test
    void lost_connections_deadlocks_and_cancelled_statements_are_retried_not_parked() {
        assertThatThrownBy(() -> DeadLetterQueues.parkUnlessTransient(letter, new CannotGetJdbcConnectionException("down")))
                .isInstanceOf(CannotGetJdbcConnectionException.class);
        var deadlock = new UncategorizedSQLException("update", "UPDATE x", new SQLException("deadlock detected", "40P01"));
        assertThatThrownBy(() -> DeadLetterQueues.parkUnlessTransient(letter, deadlock)).isSameAs(deadlock);
        var cancelled = new SQLException("canceling statement due to statement timeout", "57014");
        assertThatThrownBy(() -> DeadLetterQueues.parkUnlessTransient(letter, cancelled))
                .isInstanceOf(IllegalStateException.class).hasCause(cancelled);
    }
}
