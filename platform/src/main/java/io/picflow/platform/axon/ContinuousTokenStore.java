package io.picflow.platform.axon;

import java.sql.Connection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.common.jdbc.JdbcException;
import org.axonframework.common.jdbc.JdbcUtils;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;

/**
 * A token store that advances a segment's token only from the token this node last read or wrote for it: a
 * compare-and-set, checked in the transaction that stores the new token.
 *
 * <p>Why: read models commit asynchronously (ADR 0014). A PostgreSQL crash may lose the last few hundred
 * milliseconds of those commits, rows and token together, which is harmless only if the processor then handles
 * those events again. But a processor that hit no error during the outage still holds its position in memory, and
 * its next batch would store a token past the lost one: the lost rows would stay lost. Here that batch finds an
 * older token than it expects, fails (its transaction rolls back), and the processor drops the segment and claims
 * it again, reading the token that survived. The same check catches any other writer that moved the token behind
 * this node's back. It costs one primary-key read in a transaction that writes that row anyway.
 */
public class ContinuousTokenStore extends InspectableJdbcTokenStore {

    private record SegmentKey(String processorName, int segment) {
    }

    /** What this node last read or wrote for each segment it holds; {@link Optional#empty()} for "no token yet". */
    private final Map<SegmentKey, Optional<TrackingToken>> expected = new ConcurrentHashMap<>();

    public ContinuousTokenStore(JdbcTokenStore.Builder builder) {
        super(builder);
    }

    @Override
    public TrackingToken fetchToken(String processorName, int segment) {
        return remember(processorName, segment, super.fetchToken(processorName, segment));
    }

    @Override
    public TrackingToken fetchToken(String processorName, Segment segment) {
        return remember(processorName, segment.getSegmentId(), super.fetchToken(processorName, segment));
    }

    @Override
    public void storeToken(TrackingToken token, String processorName, int segment) {
        SegmentKey key = new SegmentKey(processorName, segment);
        Optional<TrackingToken> expectedToken = expected.get(key);
        if (expectedToken != null) {
            Optional<TrackingToken> stored = storedToken(processorName, segment);
            if (!Objects.equals(stored, expectedToken)) {
                expected.remove(key);
                throw new UnableToClaimTokenException("The token of " + processorName + "[" + segment + "] is "
                        + stored.map(Object::toString).orElse("empty") + ", not " + expectedToken.map(Object::toString).orElse("empty")
                        + " as this node last wrote: a commit was lost (database crash) or another node moved it."
                        + " The segment is claimed again from the stored token.");
            }
        }
        super.storeToken(token, processorName, segment);
        expected.put(key, Optional.ofNullable(token));
    }

    @Override
    public void releaseClaim(String processorName, int segment) {
        expected.remove(new SegmentKey(processorName, segment));
        super.releaseClaim(processorName, segment);
    }

    @Override
    public void deleteToken(String processorName, int segment) {
        expected.remove(new SegmentKey(processorName, segment));
        super.deleteToken(processorName, segment);
    }

    private TrackingToken remember(String processorName, int segment, TrackingToken token) {
        expected.put(new SegmentKey(processorName, segment), Optional.ofNullable(token));
        return token;
    }

    /** The segment's token as committed (locked until the transaction ends, as Axon's own update does next). */
    private Optional<TrackingToken> storedToken(String processorName, int segment) {
        Connection connection = getConnection();
        try {
            return JdbcUtils.executeQuery(connection,
                    c -> select(c, processorName, segment, true),
                    rows -> rows.next() ? Optional.ofNullable(readTokenEntry(rows).getToken(serializer())) : Optional.<TrackingToken>empty(),
                    e -> new JdbcException("Could not read the token of " + processorName + "[" + segment + "]", e),
                    false);
        } finally {
            JdbcUtils.closeQuietly(connection);
        }
    }
}
