package io.picflow.platform.admin;

import io.picflow.platform.axon.InspectableJdbcTokenStore;
import io.picflow.platform.axon.InspectableJdbcTokenStore.StoredToken;
import io.picflow.platform.web.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.ReplayToken;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.SubscribingEventProcessor;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;

/**
 * The event processors of whichever side(s) run in this application: their segments, who holds each
 * one, how far each got and how far behind the head of the event store they are; and pausing and
 * starting one on this node.
 *
 * <p>{@code processingStatus()} knows only the segments this node holds. For a JDBC token store the
 * token table is read as well ({@link InspectableJdbcTokenStore}, without claiming anything), so the
 * segments held by other nodes or by none are listed too, with their owner and the position stored with
 * their token; the live details (caught up, error) exist only for the segments held here.
 *
 * <p>Pausing acts on this node only: it shuts the processor down here, which releases its segments, and
 * another node running the same side claims them and goes on. Only streaming processors can be paused:
 * a subscribing one has no position to resume from, so the events published meanwhile would be lost to it.
 */
public class ProcessorAdmin {

    private static final Logger log = LoggerFactory.getLogger(ProcessorAdmin.class);

    /** How long a pause waits for the processor's running batches to end before answering. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(15);

    /**
     * {@code owner}: the node that holds the claim (null: none); {@code claimedHere}: this node processes it;
     * {@code position}: the event store position it has processed up to; {@code caughtUp}, {@code errorState}
     * and {@code error} only for the segments held here; {@code updatedAt}: when its token row was last written.
     */
    public record SegmentStatus(int segment, String owner, boolean claimedHere, Long position, Boolean caughtUp,
            Boolean replaying, Boolean errorState, String error, Instant updatedAt) {
    }

    /** {@code head}: the position of the event store's last event; {@code lag}: head minus the slowest segment's position. */
    public record ProcessorStatus(String name, String type, boolean running, boolean error, boolean replaying,
            List<SegmentStatus> segments, Long head, Long lag) {
    }

    private final EventProcessingConfiguration processing;
    private final EventStore eventStore;

    private final List<ProcessorControlGuard> guards;

    public ProcessorAdmin(@Lazy EventProcessingConfiguration processing, @Lazy EventStore eventStore,
            List<ProcessorControlGuard> guards) {
        this.processing = processing;
        this.eventStore = eventStore;
        this.guards = guards;
    }

    /** 409 if something (a rebuild) needs the processor left alone now. */
    private void requireControllable(String name) {
        for (ProcessorControlGuard guard : guards) {
            guard.refusal(name).ifPresent(reason -> {
                throw ProblemException.conflict("Processor " + name + " cannot be paused or started now: " + reason);
            });
        }
    }

    public List<ProcessorStatus> processors() {
        Long head = head();
        return processing.eventProcessors().values().stream()
                .sorted(Comparator.comparing(EventProcessor::getName))
                .map(processor -> status(processor, head))
                .toList();
    }

    public ProcessorStatus processor(String name) {
        return status(find(name), head());
    }

    /** Shuts the processor down on this node; its segments are released (another node may claim them). */
    public ProcessorStatus pause(String name) {
        StreamingEventProcessor processor = streaming(name);
        requireControllable(name);
        log.info("Pausing event processor [{}] on this node (admin request)", name);
        try {
            processor.shutdownAsync().get(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Event processor [{}] has not finished shutting down after {}", name, SHUTDOWN_WAIT);
        } catch (ExecutionException e) {
            log.warn("Event processor [{}] failed while shutting down", name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return status(processor, head());
    }

    /** Starts the processor on this node; it claims segments and catches up in the background. */
    public ProcessorStatus start(String name) {
        StreamingEventProcessor processor = streaming(name);
        requireControllable(name);
        log.info("Starting event processor [{}] on this node (admin request)", name);
        try {
            processor.start();
        } catch (IllegalStateException e) {
            throw ProblemException.conflict("Processor " + name + " cannot start now: " + e.getMessage());
        }
        return status(processor, head());
    }

    private EventProcessor find(String name) {
        EventProcessor processor = processing.eventProcessors().get(name);
        if (processor == null) {
            throw ProblemException.notFound("No event processor " + name);
        }
        return processor;
    }

    private StreamingEventProcessor streaming(String name) {
        if (find(name) instanceof StreamingEventProcessor streaming) {
            return streaming;
        }
        throw ProblemException.conflict("Processor " + name + " handles events as they are published and keeps no position: "
                + "stopping it would lose the events published meanwhile");
    }

    private ProcessorStatus status(EventProcessor processor, Long head) {
        if (!(processor instanceof StreamingEventProcessor streaming)) {
            return new ProcessorStatus(processor.getName(), type(processor), processor.isRunning(), processor.isError(), false,
                    List.of(), null, null);
        }
        List<SegmentStatus> segments = segments(streaming);
        Long lag = head == null ? null : segments.stream().map(SegmentStatus::position).filter(Objects::nonNull)
                .min(Comparator.naturalOrder()).map(slowest -> Math.max(0, head - slowest)).orElse(null);
        return new ProcessorStatus(processor.getName(), type(processor), processor.isRunning(), processor.isError(),
                streaming.isReplaying(), segments, head, lag);
    }

    private List<SegmentStatus> segments(StreamingEventProcessor processor) {
        String name = processor.getName();
        // A processor that is not running holds nothing, whatever its last status said.
        Map<Integer, EventTrackerStatus> here = processor.isRunning() ? processor.processingStatus() : Map.of();
        TokenStore store = processing.tokenStore(name);
        Map<Integer, SegmentStatus> segments = new TreeMap<>();
        try {
            if (store instanceof InspectableJdbcTokenStore jdbc) {
                for (StoredToken row : jdbc.storedTokens(name)) {
                    EventTrackerStatus status = here.get(row.segment());
                    segments.put(row.segment(), status != null ? held(status, row.owner(), row.updatedAt()) : stored(row));
                }
            } else {
                for (int segment : store.fetchSegments(name)) {
                    EventTrackerStatus status = here.get(segment);
                    segments.put(segment, status != null ? held(status, owner(store), null) : unknown(segment));
                }
            }
        } catch (RuntimeException e) {
            // The live status of this node's segments is still worth showing when the token store cannot be read.
            log.warn("Could not read the token store of event processor [{}]: {}", name, e.toString());
        }
        here.forEach((segment, status) -> segments.putIfAbsent(segment, held(status, owner(store), null)));
        return List.copyOf(segments.values());
    }

    private static SegmentStatus held(EventTrackerStatus status, String owner, Instant updatedAt) {
        Throwable error = status.getError();
        return new SegmentStatus(status.getSegment().getSegmentId(), owner, true, value(status.getCurrentPosition()),
                status.isCaughtUp(), status.isReplaying(), status.isErrorState(), error == null ? null : error.toString(), updatedAt);
    }

    private static SegmentStatus stored(StoredToken row) {
        TrackingToken token = row.token();
        return new SegmentStatus(row.segment(), row.owner(), false, token == null ? null : value(token.position()), null,
                ReplayToken.isReplay(token), null, null, row.updatedAt());
    }

    private static SegmentStatus unknown(int segment) {
        return new SegmentStatus(segment, null, false, null, null, null, null, null, null);
    }

    /** The owner of the segments this node holds: the JDBC store's node id, or this node for an in-memory store. */
    private static String owner(TokenStore store) {
        return store instanceof InspectableJdbcTokenStore || store instanceof InMemoryTokenStore ? InspectableJdbcTokenStore.THIS_NODE : null;
    }

    private static Long value(OptionalLong position) {
        return position.isPresent() ? position.getAsLong() : null;
    }

    private static String type(EventProcessor processor) {
        if (processor instanceof PooledStreamingEventProcessor) {
            return "pooled";
        } else if (processor instanceof TrackingEventProcessor) {
            return "tracking";
        } else if (processor instanceof SubscribingEventProcessor) {
            return "subscribing";
        }
        return processor.getClass().getSimpleName();
    }

    /** The position of the event store's last event (null while it is empty, or cannot be read). */
    private Long head() {
        try {
            TrackingToken head = eventStore.createHeadToken();
            return head == null ? null : value(head.position());
        } catch (RuntimeException e) {
            log.warn("Could not read the head of the event store: {}", e.toString());
            return null;
        }
    }
}
