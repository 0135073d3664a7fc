package io.picflow.command.downloads.fetch;

import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.events.MetadataKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the worker's reports (commands) to the downloads, each download's in the order they were made. The thread
 * that made a report goes on at once: a fetch slot starts the next transfer and a processing thread decodes the next
 * image instead of waiting for a command's transaction.
 *
 * <p>Reports are batched: each lane (a download always uses the same one, which keeps its reports in order) takes
 * what has queued up (waiting up to {@code linger} for more, if it is not zero) and sends up to {@value #MAX_BATCH}
 * reports in one transaction, each under a savepoint of its own. Under load, what queues while one batch commits is
 * the next batch: a group commit. One commit (one WAL flush) then carries the steps of many
 * downloads, and the validated, processed and stored steps of a small image usually ride together; the processors
 * downstream (the process manager, the live feed, the read models) then see them in one batch too (ADR 0014). A
 * report that fails rolls back to its savepoint alone; a batch that cannot commit is sent again one report at a time.
 *
 * <p>Progress is coalesced: while a progress report of a download waits its turn, a newer one replaces it (the
 * aggregate ignores a stale one anyway). A report that cannot be delivered is logged; the download's watchdog
 * deadline recovers the fetch.
 */
final class DownloadReports {

    private static final Logger log = LoggerFactory.getLogger(DownloadReports.class);
    static final int MAX_BATCH = 32;
    private static final Duration IDLE_LOOK = Duration.ofMillis(200);

    /** A queued report: the command is looked up when the batch runs (a progress report takes the latest then). */
    private record Report(FetchJob job, Supplier<Object> command) {
    }

    private final CommandGateway commands;
    private final TransactionTemplate batchTransaction;
    private final TransactionTemplate savepoint;
    private final long lingerNanos;
    private final List<BlockingQueue<Report>> lanes = new ArrayList<>();
    private final ExecutorService threads;
    private final Map<String, RecordFetchProgress> waitingProgress = new ConcurrentHashMap<>();
    private volatile boolean closing;

    DownloadReports(CommandGateway commands, PlatformTransactionManager transactions, int laneCount, Duration linger,
            ThreadFactory threadFactory) {
        this.commands = commands;
        this.batchTransaction = new TransactionTemplate(transactions);
        this.savepoint = new TransactionTemplate(transactions);
        this.savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.lingerNanos = linger.toNanos();
        this.threads = Executors.newFixedThreadPool(laneCount, threadFactory);
        for (int i = 0; i < laneCount; i++) {
            BlockingQueue<Report> lane = new LinkedBlockingQueue<>();
            lanes.add(lane);
            threads.execute(() -> run(lane));
        }
    }

    /** Queues {@code command} after the download's earlier reports. */
    void send(FetchJob job, Object command) {
        laneOf(job).add(new Report(job, () -> command));
    }

    /** Queues a progress report, or updates the one that is already waiting. */
    void sendProgress(FetchJob job, RecordFetchProgress progress) {
        if (waitingProgress.put(job.downloadId(), progress) == null) {
            laneOf(job).add(new Report(job, () -> waitingProgress.remove(job.downloadId())));
        }
    }

    private BlockingQueue<Report> laneOf(FetchJob job) {
        return lanes.get(Math.floorMod(job.downloadId().hashCode(), lanes.size()));
    }

    private void run(BlockingQueue<Report> lane) {
        try {
            while (!closing || !lane.isEmpty()) {
                List<Report> batch = nextBatch(lane);
                if (!batch.isEmpty()) {
                    deliver(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first report waited for, then whatever else comes within the linger, up to a full batch. */
    private List<Report> nextBatch(BlockingQueue<Report> lane) throws InterruptedException {
        List<Report> batch = new ArrayList<>();
        Report first = lane.poll(IDLE_LOOK.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) {
            return batch;
        }
        batch.add(first);
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < MAX_BATCH) {
            lane.drainTo(batch, MAX_BATCH - batch.size());
            long left = deadline - System.nanoTime();
            if (batch.size() >= MAX_BATCH || left <= 0 || closing) {
                break;
            }
            Report next = lane.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    private record Pending(FetchJob job, Object command) {
    }

    private void deliver(List<Report> batch) {
        List<Pending> pending = new ArrayList<>(batch.size());
        for (Report report : batch) {
            Object command = report.command().get();
            if (command != null) {
                pending.add(new Pending(report.job(), command));
            }
        }
        // At most one report per download in a transaction: Axon releases an aggregate's lock when a command's unit
        // of work ends, before the batch commits. Another command on that download (a user's cancel, a watchdog) could
        // then take the lock and wait in PostgreSQL for the batch's uncommitted event, while the batch's next report
        // of the same download waited for the lock: a deadlock neither side could see.
        List<Pending> run = new ArrayList<>();
        Set<String> downloads = new HashSet<>();
        for (Pending report : pending) {
            if (!downloads.add(report.job().downloadId())) {
                deliverTogether(run);
                run = new ArrayList<>();
                downloads.clear();
                downloads.add(report.job().downloadId());
            }
            run.add(report);
        }
        deliverTogether(run);
    }

    private void deliverTogether(List<Pending> pending) {
        if (pending.isEmpty()) {
            return;
        }
        if (pending.size() == 1) {
            deliverAlone(pending.get(0));
            return;
        }
        try {
            batchTransaction.executeWithoutResult(status -> pending.forEach(report -> {
                try {
                    savepoint.executeWithoutResult(inner -> send(report));
                } catch (RuntimeException e) {
                    couldNotReport(report, e);
                }
            }));
        } catch (RuntimeException e) {
            log.warn("A batch of {} reports could not be committed ({}); sending them one at a time", pending.size(), e.toString());
            pending.forEach(this::deliverAlone);
        }
    }

    private void deliverAlone(Pending report) {
        try {
            send(report);
        } catch (RuntimeException e) {
            couldNotReport(report, e);
        }
    }

    private void send(Pending report) {
        FetchJob job = report.job();
        commands.sendAndWait(GenericCommandMessage.asCommandMessage(report.command()).andMetaData(Map.of(
                MetadataKeys.CORRELATION_ID, job.correlationId(),
                MetadataKeys.CAUSATION_ID, job.causationId(),
                MetadataKeys.USER_ID, job.userId())));
    }

    private static void couldNotReport(Pending report, RuntimeException e) {
        // The watchdog deadline recovers a fetch whose reports could not be delivered.
        log.warn("Could not report {} for download {}: {}", report.command().getClass().getSimpleName(),
                report.job().downloadId(), e.toString());
    }

    /** What is done is reported: the queued reports get {@code drain} (a lost one costs a watchdog retry). */
    void close(Duration drain) {
        closing = true;
        threads.shutdown();
        try {
            if (!threads.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
