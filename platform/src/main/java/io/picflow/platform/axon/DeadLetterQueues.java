package io.picflow.platform.axon;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.Collection;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.deadletter.jdbc.JdbcSequencedDeadLetterQueue;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.Decisions;
import org.axonframework.messaging.deadletter.InMemorySequencedDeadLetterQueue;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.axonframework.messaging.deadletter.EnqueueDecision;
import org.axonframework.messaging.deadletter.ThrowableCause;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * A dead-letter queue per processing group, in a side's own table: an event whose handler fails is
 * parked there with its cause, together with the later events of the same sequence (aggregate), and
 * everything else keeps moving. Nothing is skipped: a parked sequence waits to be retried or evicted.
 * Transient failures are not parked: they propagate and the processor retries the batch, as it does
 * when the queue itself cannot be written because the database is down.
 */
public final class DeadLetterQueues {

    private DeadLetterQueues() {
    }

    public static DeadLetterSchema schema(String table) {
        return DeadLetterSchema.builder()
                .deadLetterTable(table)
                .deadLetterIdentifierColumn("dead_letter_id")
                .processingGroupColumn("processing_group")
                .sequenceIdentifierColumn("sequence_identifier")
                .sequenceIndexColumn("sequence_index")
                .messageTypeColumn("message_type")
                .eventIdentifierColumn("event_identifier")
                .timestampColumn("time_stamp")
                .payloadTypeColumn("payload_type")
                .payloadRevisionColumn("payload_revision")
                .payloadColumn("payload")
                .metaDataColumn("meta_data")
                .aggregateTypeColumn("aggregate_type")
                .aggregateIdentifierColumn("aggregate_identifier")
                .sequenceNumberColumn("sequence_number")
                .tokenTypeColumn("token_type")
                .tokenColumn("token")
                .enqueuedAtColumn("enqueued_at")
                .lastTouchedColumn("last_touched")
                .processingStartedColumn("processing_started")
                .causeTypeColumn("cause_type")
                .causeMessageColumn("cause_message")
                .diagnosticsColumn("diagnostics")
                .build();
    }

    /** Gives each of {@code groups} a dead-letter queue in {@code table}, within {@code limits}. */
    public static ConfigurerModule register(String table, Collection<String> groups, ConnectionProvider connections,
            TransactionManager transactions, DeadLetterLimits limits, MeterRegistry meters) {
        DeadLetterSchema schema = schema(table);
        return configurer -> configurer.eventProcessing(processing -> groups.forEach(group -> processing
                .registerDeadLetterQueue(group, config -> new LimitedDeadLetterQueue<>(JdbcSequencedDeadLetterQueue.<EventMessage<?>>builder()
                        .processingGroup(group)
                        .connectionProvider(connections)
                        .transactionManager(transactions)
                        .schema(schema)
                        .genericSerializer(config.serializer())
                        .eventSerializer(config.eventSerializer())
                        // Axon 4.13.0 pages two queries wrongly (AxonFramework#4544): see PagedDeadLetterStatements.
                        .statementFactory(new PagedDeadLetterStatements<>(schema, config.serializer(), config.eventSerializer()))
                        .pageSize(PagedDeadLetterStatements.PAGE_SIZE)
                        .maxSequences(limits.maxSequences())
                        .maxSequenceSize(limits.maxSequenceSize())
                        .build(), group, limits, meters))
                .registerDeadLetterPolicy(group, config -> DeadLetterQueues::parkUnlessTransient)
                // Remembers which sequences are not parked, instead of asking the table for every event.
                .registerDeadLetteringEventHandlerInvokerConfiguration(group,
                        (config, builder) -> builder.enableSequenceIdentifierCache())));
    }

    /** A dead-letter queue in this node's memory (the cache's, a rebuild's), within {@code limits}. */
    public static SequencedDeadLetterQueue<EventMessage<?>> inMemory(String group, DeadLetterLimits limits, MeterRegistry meters) {
        return new LimitedDeadLetterQueue<>(InMemorySequencedDeadLetterQueue.<EventMessage<?>>builder()
                .maxSequences(limits.maxSequences())
                .maxSequenceSize(limits.maxSequenceSize())
                .build(), group, limits, meters);
    }

    /**
     * Parks an event whose handler failed for a reason that will not go away by itself; rethrows a
     * transient failure (connection lost, deadlock, serialization failure, cancelled statement), so
     * that the batch is retried instead of parking a healthy event.
     */
    public static EnqueueDecision<EventMessage<?>> parkUnlessTransient(DeadLetter<? extends EventMessage<?>> letter, Throwable cause) {
        if (isTransient(cause)) {
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        }
        return Decisions.enqueue(ThrowableCause.truncated(cause));
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TransientDataAccessException || cause instanceof RecoverableDataAccessException
                    || cause instanceof CannotGetJdbcConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("40")
                    || sql.getSQLState().startsWith("53") || sql.getSQLState().startsWith("57"))) {
                return true;
            }
        }
        return false;
    }
}
