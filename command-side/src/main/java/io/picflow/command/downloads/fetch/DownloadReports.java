package io.picflow.command.downloads.fetch;

import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.events.MetadataKeys;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the worker's reports (commands) to the downloads, each download's in the order they were made,
 * on the reporting threads. The thread that made a report goes on at once: a fetch slot starts the next
 * transfer and a processing thread decodes the next image instead of waiting for a command's
 * transaction, so the database's latency no longer holds back the network or the CPU.
 *
 * <p>Progress is coalesced: while a progress report of a download waits its turn, a newer one replaces
 * it (the aggregate ignores a stale one anyway). A report that cannot be delivered is logged; the
 * download's watchdog deadline recovers the fetch.
 */
final class DownloadReports {

    private static final Logger log = LoggerFactory.getLogger(DownloadReports.class);

    private final CommandGateway commands;
    private final Executor reporters;
    /** Each download's last queued report: the next one runs after it. Removed once it is done and still last. */
    private final Map<String, CompletableFuture<Void>> lastReports = new ConcurrentHashMap<>();
    private final Map<String, RecordFetchProgress> waitingProgress = new ConcurrentHashMap<>();

    DownloadReports(CommandGateway commands, Executor reporters) {
        this.commands = commands;
        this.reporters = reporters;
    }

    /** Queues {@code command} after the download's earlier reports. */
    void send(FetchJob job, Object command) {
        enqueue(job.downloadId(), () -> deliver(job, command));
    }

    /** Queues a progress report, or updates the one that is already waiting. */
    void sendProgress(FetchJob job, RecordFetchProgress progress) {
        if (waitingProgress.put(job.downloadId(), progress) == null) {
            enqueue(job.downloadId(), () -> {
                RecordFetchProgress latest = waitingProgress.remove(job.downloadId());
                if (latest != null) {
                    deliver(job, latest);
                }
            });
        }
    }

    private void enqueue(String downloadId, Runnable report) {
        CompletableFuture<Void> queued = lastReports.compute(downloadId, (id, last) ->
                (last == null ? CompletableFuture.<Void>completedFuture(null) : last.exceptionally(error -> null))
                        .thenRunAsync(report, reporters));
        // Outside compute: the future may be complete already, and the callback then runs here and now.
        queued.whenComplete((ignored, error) -> lastReports.remove(downloadId, queued));
    }

    private void deliver(FetchJob job, Object command) {
        try {
            commands.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(Map.of(
                    MetadataKeys.CORRELATION_ID, job.correlationId(),
                    MetadataKeys.CAUSATION_ID, job.causationId(),
                    MetadataKeys.USER_ID, job.userId())));
        } catch (RuntimeException e) {
            // The watchdog deadline recovers a fetch whose reports could not be delivered.
            log.warn("Could not report {} for download {}: {}", command.getClass().getSimpleName(), job.downloadId(),
                    e.toString());
        }
    }
}
