package io.picflow.platform.axon;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.axonframework.common.jdbc.JdbcException;
import org.axonframework.common.jdbc.JdbcUtils;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.AbstractTokenEntry;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;

/**
 * Axon's JDBC token store, plus a read of a processor's token rows that claims nothing. Axon's own
 * reads ({@code fetchToken}) claim the segment, and {@code processingStatus()} knows only the segments
 * this node holds; the admin API ({@code /api/admin/processors}) also shows who holds the others and
 * where they are. The rows are read and their tokens deserialized by Axon's own code, so the columns
 * and formats cannot drift from what the store writes.
 *
 * <p>It also survives nodes that start at the same moment on an empty database. Axon 4.13.0 creates the store's
 * identifier row and a processor's segment rows lazily, on first use, and a node that loses the race to insert them
 * fails ({@code UnableToRetrieveIdentifierException}: its processors never start; AxonFramework issue 4802, fixed
 * after 4.13.0). Here the insert runs behind a savepoint; on a conflict the transaction rolls back to it (PostgreSQL
 * aborts the whole transaction otherwise) and adopts the rows the winner committed.
 */
public class InspectableJdbcTokenStore extends JdbcTokenStore {

    /** The owner a {@link JdbcTokenStore} writes for this JVM when no node id is configured (Axon's default). */
    public static final String THIS_NODE = ManagementFactory.getRuntimeMXBean().getName();

    /**
     * One segment's row: its owner (null when no node holds the claim), when that row was last written
     * (the owner's heartbeat while it holds the claim), and its token (null if the segment has none yet,
     * or the stored token cannot be read).
     */
    public record StoredToken(int segment, String owner, Instant updatedAt, TrackingToken token) {
    }

    public InspectableJdbcTokenStore(JdbcTokenStore.Builder builder) {
        super(builder);
    }

    @Override
    public Optional<String> retrieveStorageIdentifier() {
        return orAdoptTheWinner(super::retrieveStorageIdentifier, super::retrieveStorageIdentifier);
    }

    @Override
    public void initializeTokenSegments(String processorName, int segmentCount, TrackingToken initialToken) {
        orAdoptTheWinner(() -> {
            super.initializeTokenSegments(processorName, segmentCount, initialToken);
            return null;
        }, () -> {
            if (fetchSegments(processorName).length == 0) {
                throw new UnableToClaimTokenException("Could not initialize the segments of " + processorName);
            }
            return null; // another node initialized them: they are the ones this node will claim from
        });
    }

    /** Runs {@code insert}; if it fails in a transaction, rolls back to before it and runs {@code reread}. */
    private <T> T orAdoptTheWinner(Supplier<T> insert, Supplier<T> reread) {
        Connection connection = getConnection();
        try {
            if (connection.getAutoCommit()) {
                try {
                    return insert.get();
                } catch (RuntimeException lostTheRace) {
                    return reread.get(); // each statement was its own transaction: the winner's rows are visible
                }
            }
            Savepoint beforeInsert = connection.setSavepoint();
            try {
                T result = insert.get();
                connection.releaseSavepoint(beforeInsert);
                return result;
            } catch (RuntimeException lostTheRace) {
                connection.rollback(beforeInsert);
                return reread.get(); // READ COMMITTED: the next statement sees the winner's committed rows
            }
        } catch (SQLException e) {
            throw new JdbcException("Could not set a savepoint around a token store insert", e);
        } finally {
            JdbcUtils.closeQuietly(connection);
        }
    }

    /** Every segment row of {@code processorName}, by segment, as it is in the table right now. */
    public List<StoredToken> storedTokens(String processorName) {
        Connection connection = getConnection();
        try {
            List<AbstractTokenEntry<?>> entries = JdbcUtils.executeQuery(connection,
                    c -> selectTokenEntries(c, processorName),
                    JdbcUtils.listResults(this::readTokenEntry),
                    e -> new JdbcException("Could not read the tokens of processor [" + processorName + "]", e),
                    false);
            return entries.stream()
                    .map(entry -> new StoredToken(entry.getSegment(), entry.getOwner(), entry.timestamp(), token(entry)))
                    .toList();
        } finally {
            JdbcUtils.closeQuietly(connection);
        }
    }

    private TrackingToken token(AbstractTokenEntry<?> entry) {
        try {
            return entry.getToken(serializer());
        } catch (RuntimeException unreadable) {
            return null;
        }
    }
}
