package io.picflow.platform.axon;

import java.util.Collection;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.deadletter.jdbc.JdbcSequencedDeadLetterQueue;

/**
 * A dead-letter queue per processing group, in a side's own table: an event whose handler fails is
 * parked there with its cause, together with the later events of the same sequence (aggregate), and
 * everything else keeps moving. Nothing is skipped: a parked sequence waits to be retried or evicted.
 * If the queue itself cannot be written (the database is down), the failure propagates and the
 * processor retries the batch, as before.
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

    /** Gives each of {@code groups} a dead-letter queue in {@code table}. */
    public static ConfigurerModule register(String table, Collection<String> groups, ConnectionProvider connections,
            TransactionManager transactions) {
        DeadLetterSchema schema = schema(table);
        return configurer -> configurer.eventProcessing(processing -> groups.forEach(group ->
                processing.registerDeadLetterQueue(group, config -> JdbcSequencedDeadLetterQueue.<EventMessage<?>>builder()
                        .processingGroup(group)
                        .connectionProvider(connections)
                        .transactionManager(transactions)
                        .schema(schema)
                        .genericSerializer(config.serializer())
                        .eventSerializer(config.eventSerializer())
                        .build())));
    }
}
