package io.picflow.query.rebuild;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.axon.AsynchronousCommits;
import io.picflow.platform.axon.DeadLetterLimits;
import io.picflow.platform.axon.DeadLetterQueues;
import io.picflow.platform.admin.ProcessorControlGuard;
import io.picflow.platform.axon.ContinuousTokenStore;
import io.picflow.platform.axon.InspectableJdbcTokenStore;
import io.picflow.platform.axon.SideTokenStores;
import io.picflow.query.BatchedWrites;
import io.picflow.query.QuerySideConfiguration;
import java.sql.SQLException;
import java.util.concurrent.RejectedExecutionException;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.serialization.Serializer;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.PessimisticLockingFailureException;
import io.picflow.query.WriteTargets;
import io.picflow.query.rebuild.ProjectionRebuild.Phase;
import io.picflow.query.rebuild.ProjectionRebuild.State;
import io.picflow.query.rebuild.RebuildableReadModels.ReadModel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.AbstractEventProcessor;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.MultiEventHandlerInvoker;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.deadletter.DeadLetteringEventHandlerInvoker;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds read models from the first event while the service stays up (docs/adr/0009-rebuilds.md).
 *
 * <p>A rebuild runs the read model's own handlers in a processor of its own ({@code <name>.rebuild}),
 * writing into a new generation of the read model (shadow tables, a new search index, a new cache) while
 * the live processor goes on updating the generation in service, which queries keep reading. Once the
 * rebuild has caught up, the live processor is stopped, the rebuild reads the last events, and one
 * transaction puts the new generation in service, hands the rebuild's tokens to the live processor and
 * replaces the group's dead letters with the rebuild's. The live processor then goes on from there. A
 * rebuild that fails or is cancelled drops its generation; the old one never left service.
 */
@Service
public class ProjectionRebuilds implements ProcessorControlGuard {

    /** The read model does not exist or cannot be rebuilt. */
    public static final class UnknownReadModel extends RuntimeException {
        UnknownReadModel(String message) {
            super(message);
        }
    }

    /** A rebuild of that read model is already running, on this node or another. */
    public static final class AlreadyRunning extends RuntimeException {
        AlreadyRunning(String message) {
            super(message);
        }
    }

    /** No rebuild can start: the node is stopping, or the database cannot be reached. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final int FINISHED_KEPT = 100;
    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuilds.class);

    private static final int HAND_OVER_ATTEMPTS = 3;
    private static final java.time.Duration KEEP_FRESH = java.time.Duration.ofSeconds(5);

    private final RebuildableReadModels readModels;
    private final BatchedWrites batchedWrites;
    private final DataSource dataSource;
    private final ConnectionProvider connections;
    private final Serializer serializer;
    private final EventProcessingConfiguration processing;
    private final EventStore eventStore;
    private final StreamableMessageSource<TrackedEventMessage<?>> events;
    private final TransactionManager axonTransactions;
    private final TransactionTemplate handOverTransaction;
    private final RebuildStream stream;
    private final RebuildRecords records;
    private final RebuildMonitors monitors;
    private final Clock clock;
    private final Duration progressInterval;
    private final Duration handOverTimeout;
    private final int batchSize;
    private final DeadLetterLimits deadLetterLimits;
    private final MeterRegistry meters;
    private final Map<String, ProjectionRebuild> rebuilds = new LinkedHashMap<>();
    private final Map<String, ProjectionRebuild> running = new ConcurrentHashMap<>();
    private final ExecutorService runners = Executors.newCachedThreadPool(threads("projection-rebuild"));
    /**
     * Keeps the records of this node's running rebuilds fresh, whatever their runner is doing (a processor's shutdown,
     * the hand-over's lock waits can each take longer than the 30 s after which other nodes consider it dead).
     */
    private final ScheduledExecutorService recordKeeper = Executors.newSingleThreadScheduledExecutor(threads("rebuild-records"));
    private final RebuildHandOvers handOvers;
    private volatile boolean closing;

    ProjectionRebuilds(RebuildableReadModels readModels, BatchedWrites batchedWrites, DataSource dataSource,
            ConnectionProvider connections, Serializer serializer, @Lazy EventProcessingConfiguration processing, @Lazy EventStore eventStore,
            @Lazy @Qualifier("notifyingEventSource") StreamableMessageSource<TrackedEventMessage<?>> events,
            TransactionManager axonTransactions, PlatformTransactionManager transactions, RebuildStream stream, RebuildRecords records,
            RebuildHandOvers handOvers,
            RebuildMonitors monitors,
            @Value("${picflow.rebuild.progress-interval:500ms}") Duration progressInterval,
            @Value("${picflow.rebuild.hand-over-timeout:5m}") Duration handOverTimeout,
            @Value("${picflow.rebuild.batch-size:100}") int batchSize, DeadLetterLimits deadLetterLimits, MeterRegistry meters) {
        this.deadLetterLimits = deadLetterLimits;
        this.meters = meters;
        this.readModels = readModels;
        this.batchedWrites = batchedWrites;
        this.dataSource = dataSource;
        this.connections = connections;
        this.serializer = serializer;
        this.processing = processing;
        this.eventStore = eventStore;
        this.events = events;
        this.axonTransactions = axonTransactions;
        this.handOverTransaction = new TransactionTemplate(transactions);
        this.stream = stream;
        this.records = records;
        this.handOvers = handOvers;
        recordKeeper.scheduleWithFixedDelay(() -> running.values().forEach(rebuild -> records.keepFresh(rebuild.id())),
                KEEP_FRESH.toMillis(), KEEP_FRESH.toMillis(), TimeUnit.MILLISECONDS);
        this.monitors = monitors;
        this.clock = Clock.systemUTC();
        this.progressInterval = progressInterval;
        this.handOverTimeout = handOverTimeout;
        this.batchSize = batchSize;
    }

    /** Starts rebuilding read model {@code name}; the rebuild runs in the background. */
    public ProjectionRebuild start(String name) {
        ReadModel model = readModels.find(name).orElseThrow(() -> new UnknownReadModel("No read model named '" + name
                + "' can be rebuilt; these can: " + String.join(", ", readModels.names())));
        StreamingEventProcessor live = processing.eventProcessor(name, StreamingEventProcessor.class)
                .orElseThrow(() -> new UnknownReadModel("Read model '" + name + "' has no event processor on this node"));
        if (closing) {
            throw new Unavailable("The node is stopping", null);
        }
        ProjectionRebuild rebuild = new ProjectionRebuild(UUID.randomUUID().toString(), name, clock);
        ProjectionRebuild other = running.putIfAbsent(name, rebuild);
        if (other != null) {
            throw new AlreadyRunning("A rebuild of read model '" + name + "' is already running: " + other.id());
        }
        RebuildLock lock;
        try {
            lock = RebuildLock.tryAcquire(dataSource, name).orElse(null);
        } catch (SQLException e) {
            running.remove(name, rebuild);
            throw new Unavailable("Could not take the rebuild lock: " + e.getMessage(), e);
        }
        if (lock == null) {
            running.remove(name, rebuild);
            throw new AlreadyRunning("A rebuild of read model '" + name + "' is already running on another node");
        }
        remember(rebuild);
        try {
            runners.execute(() -> {
                try (lock) {
                    run(rebuild, model, live);
                }
            });
        } catch (RejectedExecutionException e) {
            lock.close();
            rebuild.finish(State.FAILED, "the node is stopping");
            running.remove(name, rebuild);
            throw new Unavailable("The node is stopping", e);
        }
        return rebuild;
    }

    /** The processors API must leave a read model's live processor alone while this node rebuilds it. */
    @Override
    public Optional<String> refusal(String processorName) {
        if (handOvers.stoppedForAnotherNode(processorName)) {
            return Optional.of("read model '" + processorName + "' is handing over on another query node; its processor here starts "
                    + "again by itself once the hand-over is done");
        }
        ProjectionRebuild rebuild = running.get(processorName);
        return rebuild == null ? Optional.empty()
                : Optional.of("read model '" + processorName + "' is being rebuilt (" + rebuild.id() + "); the rebuild stops and "
                        + "starts it itself");
    }

    public Optional<ProjectionRebuild> find(String name, String rebuildId) {
        synchronized (rebuilds) {
            return Optional.ofNullable(rebuilds.get(rebuildId)).filter(rebuild -> rebuild.projection().equals(name));
        }
    }

    /** A rebuild of this node, or as its node recorded it: any query node answers for every rebuild. */
    public Optional<RebuildProgress> progress(String name, String rebuildId) {
        Optional<ProjectionRebuild> here = find(name, rebuildId);
        if (here.isPresent()) {
            return here.map(ProjectionRebuild::progress);
        }
        return records.find(name, rebuildId).map(RebuildRecords.Recorded::progress);
    }

    /** Every rebuild of every node that is running, and the last finished ones; this node's own as it knows them. */
    public List<RebuildProgress> all() {
        Map<String, RebuildProgress> all = new LinkedHashMap<>();
        synchronized (rebuilds) {
            rebuilds.values().forEach(rebuild -> all.put(rebuild.id(), rebuild.progress()));
        }
        try {
            records.recent().forEach(recorded -> all.putIfAbsent(recorded.rebuildId(), recorded.progress()));
        } catch (RuntimeException e) {
            log.warn("Could not read the other nodes' rebuilds: {}", e.toString());
        }
        return new ArrayList<>(all.values());
    }

    /**
     * Cancels a running rebuild of another node: its node reads the request with its next record (within a second).
     * False if the rebuild is not running.
     */
    public boolean cancelElsewhere(String rebuildId) {
        return records.requestCancel(rebuildId);
    }

    public List<String> names() {
        return readModels.names();
    }

    /** Asks a running rebuild to stop; it does unless it is already handing over. */
    public void cancel(ProjectionRebuild rebuild) {
        rebuild.requestCancel();
    }

    private void remember(ProjectionRebuild rebuild) {
        synchronized (rebuilds) {
            rebuilds.put(rebuild.id(), rebuild);
            List<String> finished = rebuilds.values().stream().filter(r -> !r.isRunning()).map(ProjectionRebuild::id)
                    .collect(Collectors.toCollection(ArrayList::new));
            for (int i = 0; i < finished.size() - FINISHED_KEPT; i++) {
                rebuilds.remove(finished.get(i));
            }
        }
    }

    private void run(ProjectionRebuild rebuild, ReadModel model, StreamingEventProcessor live) {
        String group = model.name();
        String rebuildName = group + WriteTargets.REBUILD_SUFFIX;
        TokenStore liveTokens = processing.tokenStore(group);
        List<RebuildTarget> targets = readModels.targets(model);
        TokenStore tokens = rebuildTokens(liveTokens, targets);
        SequencedDeadLetterQueue<EventMessage<?>> deadLetters = DeadLetterQueues.inMemory(rebuildName, deadLetterLimits, meters);
        ScheduledExecutorService coordinator = Executors.newSingleThreadScheduledExecutor(threads("rebuild-" + group + "-coordinator"));
        ScheduledExecutorService workers = Executors.newScheduledThreadPool(2, threads("rebuild-" + group + "-worker"));
        boolean liveWasRunning = false;
        boolean liveStopped = false;
        PooledStreamingEventProcessor processor = null;
        State outcome = State.FAILED;
        String error = null;
        try {
            log.info("Rebuilding read model {} ({})", group, rebuild.id());
            publish(rebuild);
            batchedWrites.forgetRebuildFailures(group);
            targets.forEach(RebuildTarget::prepare);
            deleteTokens(tokens, rebuildName); // what a rebuild that did not finish (its node stopped) left behind
            SequencingPolicy<? super EventMessage<?>> sequencing = sequencingPolicy(live);
            int segments = Math.max(1, liveTokens.fetchSegments(group).length);
            processor = processor(rebuild, rebuildName, segments, targets, tokens, deadLetters, sequencing, live, coordinator, workers);
            processor.start();

            rebuild.phase(Phase.CATCHING_UP);
            while (!caughtUp(rebuild, processor, segments, head())) {
                publish(rebuild);
                rebuild.pauseOrCancel(progressInterval);
            }

            // Hand-over: the live processor stops, the rebuild reads what came meanwhile, and takes over.
            rebuild.checkNotCancelled();
            rebuild.phase(Phase.HANDING_OVER);
            publish(rebuild);
            liveWasRunning = live.isRunning();
            liveStopped = true; // before the call: a shutdown that times out still completes later
            live.shutdownAsync().get(1, TimeUnit.MINUTES);
            awaitSegmentsReleasedElsewhere(rebuild, group, liveTokens);
            long finalHead = head();
            long deadline = System.nanoTime() + handOverTimeout.toNanos();
            while (!reached(rebuild, processor, segments, finalHead) || !stored(tokens, rebuildName, segments, finalHead)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The rebuild did not reach position " + finalHead + " within " + handOverTimeout);
                }
                publish(rebuild); // keeps the record fresh: the other nodes hold their processors stopped only while it is
                rebuild.pauseOrCancel(progressInterval);
            }
            processor.shutdownAsync().get(1, TimeUnit.MINUTES);
            rebuild.checkNotCancelled();
            targets.forEach(RebuildTarget::beforeSwap);
            handOver(group, rebuildName, targets, tokens, liveTokens, deadLetters, sequencing);
            outcome = State.COMPLETED;
            for (RebuildTarget target : targets) {
                try {
                    target.dropOld();
                } catch (RuntimeException e) {
                    log.warn("Could not drop the old generation of read model {} (it is out of service): {}", group, e.toString());
                }
            }
        } catch (ProjectionRebuild.Cancelled cancelled) {
            outcome = State.CANCELLED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted (the node is stopping)";
        } catch (Exception e) {
            error = e.toString();
            log.error("Rebuilding read model {} ({}) failed; the read model in service stays", group, rebuild.id(), e);
        } finally {
            if (processor != null) {
                shutDownQuietly(processor);
                monitors.remove(rebuildName);
            }
            coordinator.shutdownNow();
            workers.shutdownNow();
            if (outcome != State.COMPLETED) {
                for (RebuildTarget target : targets) {
                    try {
                        target.discard();
                    } catch (RuntimeException e) {
                        log.warn("Could not drop the unfinished generation of read model {}: {}", group, e.toString());
                    }
                }
                try {
                    deleteTokens(tokens, rebuildName);
                } catch (RuntimeException e) {
                    log.warn("Could not delete the tokens of {}: {}", rebuildName, e.toString());
                }
            }
            if (liveStopped && liveWasRunning && !closing) {
                try {
                    live.start();
                } catch (RuntimeException e) {
                    log.error("Could not start the live processor of read model {} again; start it with "
                            + "POST /api/admin/processors/{}/start", group, group, e);
                }
            }
            rebuild.finish(outcome, error);
            running.remove(group, rebuild);
            remember(rebuild);
            publish(rebuild);
            log.info("Rebuild {} of read model {}: {}", rebuild.id(), group, outcome);
        }
    }

    /**
     * The other query nodes stop their live processor of the group once they see the rebuild handing over
     * ({@link RebuildHandOvers}), which releases their segments. Waits for that, recording the progress meanwhile (a
     * fresh record, and a NOTIFY for a node that missed the first). A node that does not let go in time makes the
     * hand-over fail, as it would have anyway: the live token it holds cannot be moved.
     */
    private void awaitSegmentsReleasedElsewhere(ProjectionRebuild rebuild, String group, TokenStore liveTokens) throws InterruptedException {
        if (!(liveTokens instanceof InspectableJdbcTokenStore inspectable)) {
            return;
        }
        long deadline = System.nanoTime() + RebuildRecords.STALE_AFTER.toNanos();
        while (true) {
            List<String> holders = inspectable.storedTokens(group).stream().map(InspectableJdbcTokenStore.StoredToken::owner)
                    .filter(owner -> owner != null && !owner.equals(InspectableJdbcTokenStore.THIS_NODE)).distinct().toList();
            if (holders.isEmpty() || System.nanoTime() > deadline) {
                if (!holders.isEmpty()) {
                    log.warn("Rebuild {} of {}: other nodes still hold live segments ({}); the hand-over will fail", rebuild.id(),
                            group, holders);
                }
                return;
            }
            publish(rebuild);
            rebuild.pauseOrCancel(progressInterval);
        }
    }

    /**
     * One transaction puts the new generation in service: first the database's part (the tokens, the dead
     * letters, the tables), then what lives elsewhere (the alias, the cache), so that a failure of either
     * rolls the database back before anything outside it moved. A lock that cannot be had at once (a long
     * reader of a live table) is waited for a few times.
     */
    private void handOver(String group, String rebuildName, List<RebuildTarget> targets, TokenStore tokens, TokenStore liveTokens,
            SequencedDeadLetterQueue<EventMessage<?>> deadLetters, SequencingPolicy<? super EventMessage<?>> sequencing) {
        for (int attempt = 1; ; attempt++) {
            try {
                handOverTransaction.executeWithoutResult(status -> {
                    moveTokens(tokens, liveTokens, rebuildName, group);
                    replaceDeadLetters(group, deadLetters, sequencing);
                    targets.stream().filter(ShadowTables.class::isInstance).forEach(RebuildTarget::swapIn);
                    targets.stream().filter(target -> !(target instanceof ShadowTables)).forEach(RebuildTarget::swapIn);
                });
                return;
            } catch (PessimisticLockingFailureException e) {
                if (attempt == HAND_OVER_ATTEMPTS) {
                    throw e;
                }
                log.warn("The hand-over of read model {} waited too long for a lock ({}); trying again", group, e.getMessage());
            }
        }
    }

    /**
     * The rebuild's tokens: for a read model in PostgreSQL, the group's token table named with its schema
     * (the rebuild's transactions see only the shadow schema); for the cache, the group's own store.
     */
    private TokenStore rebuildTokens(TokenStore liveTokens, List<RebuildTarget> targets) {
        for (RebuildTarget target : targets) {
            if (target instanceof ShadowTables tables) {
                return new ContinuousTokenStore(JdbcTokenStore.builder()
                        .connectionProvider(connections)
                        .serializer(serializer)
                        .schema(SideTokenStores.schema(tables.qualified(QuerySideConfiguration.TOKEN_TABLE))));
            }
        }
        return liveTokens;
    }

    private PooledStreamingEventProcessor processor(ProjectionRebuild rebuild, String rebuildName, int segments,
            List<RebuildTarget> targets, TokenStore tokens, SequencedDeadLetterQueue<EventMessage<?>> deadLetters,
            SequencingPolicy<? super EventMessage<?>> sequencing, StreamingEventProcessor live,
            ScheduledExecutorService coordinator, ScheduledExecutorService workers) {
        TransactionManager transactions = transactions(targets);
        TrackingToken tail = eventStore.createTailToken();
        DeadLetteringEventHandlerInvoker invoker = DeadLetteringEventHandlerInvoker.builder()
                .eventHandlers(handlers(live))
                .sequencingPolicy(sequencing)
                .queue(deadLetters)
                .enqueuePolicy(DeadLetterQueues::parkUnlessTransient)
                .transactionManager(transactions)
                .build();
        PooledStreamingEventProcessor processor = PooledStreamingEventProcessor.builder()
                .name(rebuildName)
                .eventHandlerInvoker(invoker)
                .messageSource(events)
                .tokenStore(tokens)
                .transactionManager(transactions)
                .coordinatorExecutor(coordinator)
                .workerExecutor(workers)
                .initialSegmentCount(segments)
                .maxClaimedSegments(segments)
                // Taken here, not in the processor's first transaction: that one sees only the shadow schema.
                .initialToken(source -> tail)
                .batchSize(batchSize)
                .messageMonitor(monitors.monitor(rebuildName))
                .build();
        Map<Class<?>, Object> writeTargets = new HashMap<>();
        targets.forEach(target -> writeTargets.putAll(target.writeTargets()));
        processor.registerHandlerInterceptor(WriteTargets.directingTo(writeTargets));
        processor.registerHandlerInterceptor((unitOfWork, chain) -> {
            rebuild.processed();
            return chain.proceed();
        });
        return processor;
    }

    /** The cache has no transaction; the PostgreSQL read models' transactions find the shadow tables first. */
    private TransactionManager transactions(List<RebuildTarget> targets) {
        for (RebuildTarget target : targets) {
            if (target instanceof ShadowTables tables) {
                // Like the live read models: a crash fails the rebuild, which starts again (ADR 0014).
                return tables.transactions(new AsynchronousCommits(axonTransactions, dataSource));
            }
        }
        return NoTransactionManager.instance();
    }

    /** The live processor's handlers, as Axon wrapped them (with this side's handler enhancers, such as the savepoints). */
    private static List<EventMessageHandler> handlers(StreamingEventProcessor live) {
        List<EventMessageHandler> handlers = new ArrayList<>();
        for (SimpleEventHandlerInvoker invoker : invokers(((AbstractEventProcessor) live).eventHandlerInvoker())) {
            handlers.addAll(invoker.eventHandlers());
        }
        return handlers;
    }

    private static SequencingPolicy<? super EventMessage<?>> sequencingPolicy(StreamingEventProcessor live) {
        return invokers(((AbstractEventProcessor) live).eventHandlerInvoker()).get(0).getSequencingPolicy();
    }

    private static List<SimpleEventHandlerInvoker> invokers(EventHandlerInvoker invoker) {
        List<SimpleEventHandlerInvoker> found = new ArrayList<>();
        if (invoker instanceof MultiEventHandlerInvoker multi) {
            multi.delegates().forEach(delegate -> found.addAll(invokers(delegate)));
        } else if (invoker instanceof SimpleEventHandlerInvoker simple) {
            found.add(simple);
        }
        if (found.isEmpty() && !(invoker instanceof MultiEventHandlerInvoker)) {
            throw new IllegalStateException("Cannot rebuild with an event handler invoker of type " + invoker.getClass().getName());
        }
        return found;
    }

    /**
     * Whether the rebuild has caught up: every segment has read the store up to {@code head}, or found no
     * more events. Only when the hand-over starts: {@link #reached} decides when it ends.
     */
    private static boolean caughtUp(ProjectionRebuild rebuild, PooledStreamingEventProcessor processor, int segments, long head) {
        Collection<EventTrackerStatus> claimed = claimed(rebuild, processor, head);
        return processor.isRunning() && claimed.size() >= segments && claimed.stream().allMatch(status -> !status.isErrorState()
                && (status.getCurrentPosition().orElse(-1) >= head || status.isCaughtUp()));
    }

    /**
     * Whether every segment of the rebuild has read the store up to {@code head} (a segment's position moves
     * over the events its handlers skip, too). The hand-over waits for this, with the live processor
     * stopped, so that the new generation goes in service with every event the old one had.
     */
    private static boolean reached(ProjectionRebuild rebuild, PooledStreamingEventProcessor processor, int segments, long head) {
        Collection<EventTrackerStatus> claimed = claimed(rebuild, processor, head);
        return processor.isRunning() && claimed.size() >= segments && claimed.stream().allMatch(status -> !status.isErrorState()
                && status.getCurrentPosition().orElse(-1) >= head);
    }

    /**
     * Whether every segment's stored token is at {@code head}. A segment's in-memory position can be ahead
     * of what it has committed: a batch that failed and is being retried one event at a time has already
     * been read. The stored token commits with the batch's writes, so only it says that they are all in
     * the new generation. Token stores that cannot be read without claiming are taken on trust.
     */
    private static boolean stored(TokenStore tokens, String rebuildName, int segments, long head) {
        if (!(tokens instanceof InspectableJdbcTokenStore inspectable) || head < 0) {
            return true; // (an empty event store: no segment ever stores a token)
        }
        List<InspectableJdbcTokenStore.StoredToken> stored = inspectable.storedTokens(rebuildName);
        return stored.size() >= segments && stored.stream().allMatch(token -> token.token() != null
                && token.token().position().orElse(-1) >= head);
    }

    private static Collection<EventTrackerStatus> claimed(ProjectionRebuild rebuild, PooledStreamingEventProcessor processor, long head) {
        Collection<EventTrackerStatus> claimed = processor.processingStatus().values();
        long position = claimed.stream().mapToLong(status -> status.getCurrentPosition().orElse(-1)).min().orElse(-1);
        rebuild.moved(position, head);
        return claimed;
    }

    private long head() {
        TrackingToken head = eventStore.createHeadToken();
        return head == null ? -1 : head.position().orElse(-1);
    }

    /** The rebuild's tokens become the live processor's, so that it goes on from where the rebuild stopped. */
    private static void moveTokens(TokenStore rebuildTokens, TokenStore liveTokens, String from, String to) {
        Set<Integer> live = Arrays.stream(liveTokens.fetchSegments(to)).boxed().collect(Collectors.toSet());
        for (int segment : rebuildTokens.fetchSegments(from)) {
            TrackingToken token = rebuildTokens.fetchToken(from, segment); // claims it, so that it can be deleted
            if (live.remove(segment)) {
                liveTokens.storeToken(token, to, segment); // fails if another node holds this segment: the hand-over rolls back
            } else {
                liveTokens.initializeSegment(token, to, segment);
            }
            liveTokens.releaseClaim(to, segment);
            rebuildTokens.deleteToken(from, segment);
        }
        for (int segment : live) { // segments the rebuild did not have (the live processor was split or merged)
            liveTokens.fetchToken(to, segment);
            liveTokens.deleteToken(to, segment);
        }
    }

    private static void deleteTokens(TokenStore tokens, String processorName) {
        for (int segment : tokens.fetchSegments(processorName)) {
            tokens.fetchToken(processorName, segment);
            tokens.deleteToken(processorName, segment);
        }
    }

    /**
     * The group's dead letters are replaced by the rebuild's: the events that failed in the rebuild, once
     * each, instead of the old ones plus the same ones again.
     */
    private void replaceDeadLetters(String group, SequencedDeadLetterQueue<EventMessage<?>> rebuilt,
            SequencingPolicy<? super EventMessage<?>> sequencing) {
        Optional<SequencedDeadLetterQueue<EventMessage<?>>> queue = processing.deadLetterQueue(group);
        if (queue.isEmpty()) {
            return;
        }
        queue.get().clear();
        for (Iterable<DeadLetter<? extends EventMessage<?>>> sequence : rebuilt.deadLetters()) {
            for (DeadLetter<? extends EventMessage<?>> letter : sequence) {
                Object sequenceId = sequencing.getSequenceIdentifierFor(letter.message());
                queue.get().enqueue(sequenceId != null ? sequenceId : letter.message().getIdentifier(), letter);
            }
        }
    }

    private void publish(ProjectionRebuild rebuild) {
        RebuildProgress progress = rebuild.progress();
        stream.publish(progress);
        if (records.record(progress) && rebuild.isRunning()) {
            rebuild.requestCancel(); // asked on another node
        }
    }

    private static void shutDownQuietly(PooledStreamingEventProcessor processor) {
        try {
            processor.shutdownAsync().get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            log.warn("The rebuild processor {} did not stop cleanly: {}", processor.getName(), e.toString());
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * On shutdown, before Axon stops the processors (Spring publishes this event before it stops any
     * lifecycle bean): running rebuilds are cancelled and awaited, and leave the live processors to the
     * shutdown rather than starting them again.
     */
    @EventListener(ContextClosedEvent.class)
    void stop() {
        closing = true;
        recordKeeper.shutdownNow();
        running.values().forEach(ProjectionRebuild::requestCancel);
        runners.shutdown();
        try {
            runners.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
