package io.picflow.query.rebuild;

import io.picflow.platform.wakeups.WakeUpListener;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * This query node's part in the rebuilds that other query nodes run. When one of them hands over (its record says
 * {@code HANDING_OVER}), this node stops its own live processor of that read model, which releases the segments it
 * holds, so that the rebuild can take them all; when the rebuild has finished (or its node stopped reporting), this
 * node starts the processor again, and it goes on from wherever the live tokens are then: the rebuild's position
 * after a hand-over, the old one otherwise. It also forwards the other nodes' progress to this node's admin stream
 * ({@code /ws/admin}).
 *
 * <p>It looks when another node records a rebuild (a NOTIFY on {@link RebuildRecords#CHANNEL}), and, while it holds
 * a processor stopped, every few seconds as well, so that a rebuild node that died does not keep it stopped.
 */
@Component
class RebuildHandOvers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RebuildHandOvers.class);
    private static final Duration RECHECK = Duration.ofSeconds(5);

    private final RebuildRecords records;
    private final EventProcessingConfiguration processing;
    private final RebuildStream stream;
    private final WakeUpListener wakeUps;
    private final ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "rebuild-hand-overs");
        thread.setDaemon(true);
        return thread;
    });
    /** The read models whose live processor this node stopped for another node's hand-over. */
    private final Set<String> stoppedForOthers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean lookQueued = new AtomicBoolean();
    private volatile long forwardedUpTo;
    private volatile boolean running;

    RebuildHandOvers(RebuildRecords records, @Lazy EventProcessingConfiguration processing, RebuildStream stream,
            WakeUpListener wakeUps) {
        this.records = records;
        this.processing = processing;
        this.stream = stream;
        this.wakeUps = wakeUps;
    }

    @Override
    public void start() {
        running = true;
        try {
            forwardedUpTo = records.databaseNowMillis();
        } catch (RuntimeException e) {
            forwardedUpTo = System.currentTimeMillis();
        }
        wakeUps.subscribe(RebuildRecords.CHANNEL, this::lookSoon);
        looker.scheduleWithFixedDelay(() -> {
            if (!stoppedForOthers.isEmpty()) {
                look();
            }
        }, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
        lookSoon(); // a hand-over that began before this node started
    }

    /** On the listener's thread, which must not wait: the look runs on this class's own thread, once per burst. */
    private void lookSoon() {
        if (running && lookQueued.compareAndSet(false, true)) {
            looker.execute(() -> {
                lookQueued.set(false);
                look();
            });
        }
    }

    private synchronized void look() {
        try {
            forwardProgress();
            Map<String, RebuildRecords.Recorded> handingOver = records.handingOverElsewhere().stream()
                    .collect(Collectors.toMap(RebuildRecords.Recorded::projection, r -> r, (a, b) -> a));
            for (String projection : handingOver.keySet()) {
                processing.eventProcessor(projection, StreamingEventProcessor.class).ifPresent(live -> {
                    if (live.isRunning() && stoppedForOthers.add(projection)) {
                        log.info("Read model {} hands over on another query node (rebuild {}): stopping its live processor here",
                                projection, handingOver.get(projection).rebuildId());
                        live.shutDown();
                    }
                });
            }
            for (String projection : Set.copyOf(stoppedForOthers)) {
                if (!handingOver.containsKey(projection) && stoppedForOthers.remove(projection)) {
                    log.info("The hand-over of read model {} on another query node ended: starting its live processor here again",
                            projection);
                    processing.eventProcessor(projection, StreamingEventProcessor.class).ifPresent(StreamingEventProcessor::start);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not follow the rebuilds of other query nodes: {}", e.toString());
        }
    }

    /** The progress other nodes recorded since the last look, to this node's admin WebSocket subscribers. */
    private void forwardProgress() {
        for (RebuildRecords.Recorded recorded : records.changedElsewhereSince(forwardedUpTo - 1_000)) {
            stream.publish(recorded.progress());
        }
        forwardedUpTo = records.databaseNowMillis();
    }

    /** Whether this node has stopped that read model's live processor for another node's hand-over. */
    boolean stoppedForAnotherNode(String projection) {
        return stoppedForOthers.contains(projection);
    }

    @Override
    public void stop() {
        running = false;
        looker.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // After Axon's processors have started (they start in a lower phase), so that start() here can stop one.
        return Integer.MAX_VALUE - 100;
    }
}
