package io.picflow.platform.axon;

import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.axonframework.eventhandling.TrackedEventData;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;

/**
 * Axon's JDBC storage engine, with one read fewer each time the embedded event store's producer looks for new events.
 *
 * <p>The producer (the one thread that reads the head of the store for every processor of this process) reads a
 * stream, and looks again at once whenever that stream brought something, until a look finds nothing. Axon's stream
 * itself also reads batches until one comes back empty. So one new event cost three reads (each a transaction): the
 * event, the stream's empty batch, the producer's empty look. Here the producer's stream ({@code mayBlock}) ends after
 * a batch that was not full, and the producer's own next look is the one that confirms there is nothing more: two
 * reads. That was a third of a download's commits (ADR 0014). Catch-up streams (processors behind the head) are read
 * as Axon reads them.
 */
public class TailReadingEventStorageEngine extends JdbcEventStorageEngine {

    public TailReadingEventStorageEngine(JdbcEventStorageEngine.Builder builder) {
        super(builder);
    }

    @Override
    protected Stream<? extends TrackedEventData<?>> readEventData(TrackingToken trackingToken, boolean mayBlock) {
        if (!mayBlock) {
            return super.readEventData(trackingToken, false);
        }
        return StreamSupport.stream(new UntilShortBatch(trackingToken), false);
    }

    /** Batches from {@code token} on, until one holds fewer events than a full batch. */
    private final class UntilShortBatch extends Spliterators.AbstractSpliterator<TrackedEventData<?>> {

        private TrackingToken lastToken;
        private Iterator<? extends TrackedEventData<?>> batch;
        private boolean lastBatch;

        UntilShortBatch(TrackingToken token) {
            super(Long.MAX_VALUE, Spliterator.ORDERED);
            this.lastToken = token;
        }

        @Override
        public boolean tryAdvance(Consumer<? super TrackedEventData<?>> action) {
            if (batch == null || !batch.hasNext()) {
                if (lastBatch) {
                    return false;
                }
                List<? extends TrackedEventData<?>> fetched = fetchTrackedEvents(lastToken, batchSize());
                lastBatch = fetched.size() < batchSize();
                batch = fetched.iterator();
                if (!batch.hasNext()) {
                    return false;
                }
            }
            TrackedEventData<?> next = batch.next();
            lastToken = next.trackingToken();
            action.accept(next);
            return true;
        }
    }
}
