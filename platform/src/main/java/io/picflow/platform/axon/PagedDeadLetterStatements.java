package io.picflow.platform.axon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.axonframework.common.DateTimeUtils;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.deadletter.jdbc.DefaultDeadLetterStatementFactory;
import org.axonframework.serialization.Serializer;

/**
 * Axon's JDBC dead-letter statements, with the two paged queries paging by {@code OFFSET}. Axon 4.13.0
 * pages them with {@code sequence_index >= offset} (AxonFramework#4544, fixed upstream by #4573 after
 * 4.13.0), but a sequence index counts within one sequence, not across the group:
 * <ul>
 * <li>the sequences a retry may claim ({@code process(filter)}): past the first page of ten, it sees
 * almost none, so retrying one given sequence among many found nothing to retry;</li>
 * <li>the letters of one sequence: the first page holds the whole sequence (Axon asks for up to its
 * maximum size), and the later pages repeated every letter past the hundredth.</li>
 * </ul>
 * Both now page through the ordered rows, {@link #PAGE_SIZE} letters at a time (the queue's page size).
 */
final class PagedDeadLetterStatements<E extends EventMessage<?>> extends DefaultDeadLetterStatementFactory<E> {

    /** Letters per page of one sequence; the queue must be built with the same page size. */
    static final int PAGE_SIZE = 100;

    private final DeadLetterSchema schema;

    PagedDeadLetterStatements(DeadLetterSchema schema, Serializer genericSerializer, Serializer eventSerializer) {
        super(DefaultDeadLetterStatementFactory.<E>builder()
                .schema(schema)
                .genericSerializer(genericSerializer)
                .eventSerializer(eventSerializer));
        this.schema = schema;
    }

    @Override
    public PreparedStatement claimableSequencesStatement(Connection connection, String processingGroup,
            Instant processingStartedLimit, int offset, int maxSize) throws SQLException {
        String sql = "SELECT * FROM " + schema.deadLetterTable() + " dl "
                + "WHERE dl." + schema.processingGroupColumn() + "=? "
                + "AND dl." + schema.sequenceIndexColumn() + "=("
                + "SELECT MIN(dl2." + schema.sequenceIndexColumn() + ") FROM " + schema.deadLetterTable() + " dl2 "
                + "WHERE dl2." + schema.processingGroupColumn() + "=dl." + schema.processingGroupColumn() + " "
                + "AND dl2." + schema.sequenceIdentifierColumn() + "=dl." + schema.sequenceIdentifierColumn() + ") "
                + "AND (dl." + schema.processingStartedColumn() + " IS NULL OR dl." + schema.processingStartedColumn() + "<?) "
                + "ORDER BY dl." + schema.lastTouchedColumn() + " ASC, dl." + schema.deadLetterIdentifierColumn() + " ASC "
                + "LIMIT ? OFFSET ?";
        PreparedStatement statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        statement.setString(1, processingGroup);
        statement.setString(2, DateTimeUtils.formatInstant(processingStartedLimit));
        statement.setInt(3, maxSize);
        statement.setInt(4, offset);
        return statement;
    }

    /** {@code maxSize} is ignored: Axon passes the sequence's maximum size, not the page size. */
    @Override
    public PreparedStatement letterSequenceStatement(Connection connection, String processingGroup, String sequenceId,
            int offset, int maxSize) throws SQLException {
        String sql = "SELECT * FROM " + schema.deadLetterTable() + " "
                + "WHERE " + schema.processingGroupColumn() + "=? "
                + "AND " + schema.sequenceIdentifierColumn() + "=? "
                + "ORDER BY " + schema.sequenceIndexColumn() + " ASC "
                + "LIMIT ? OFFSET ?";
        PreparedStatement statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        statement.setString(1, processingGroup);
        statement.setString(2, sequenceId);
        statement.setInt(3, PAGE_SIZE);
        statement.setInt(4, offset);
        return statement;
    }
}
