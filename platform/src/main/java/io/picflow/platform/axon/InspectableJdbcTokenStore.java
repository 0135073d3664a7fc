package io.picflow.platform.axon;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import org.axonframework.common.jdbc.JdbcException;
import org.axonframework.common.jdbc.JdbcUtils;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.AbstractTokenEntry;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;

/**
 * Axon's JDBC token store, plus a read of a processor's token rows that claims nothing. Axon's own
 * reads ({@code fetchToken}) claim the segment, and {@code processingStatus()} knows only the segments
 * this node holds; the admin API ({@code /api/admin/processors}) also shows who holds the others and
 * where they are. The rows are read and their tokens deserialized by Axon's own code, so the columns
 * and formats cannot drift from what the store writes.
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
