package io.picflow.command.downloads.fetch;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.RecordFetchFailure;
import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.command.downloads.DownloadCommands.RecordImageFetched;
import io.picflow.command.downloads.DownloadCommands.RecordImageProcessed;
import io.picflow.command.downloads.DownloadCommands.RecordImageStored;
import io.picflow.command.downloads.DownloadCommands.RecordImageValidated;
import io.picflow.events.downloads.DownloadErrorCodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.stereotype.Component;

/**
 * The fetch worker: fetch, validate, process and store, reporting each step to the download with
 * a command. Runs within the configured concurrency limits; a pause or cancel stops the transfer.
 */
@Component
public class DownloadFetchWorker implements FetchWorker, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DownloadFetchWorker.class);
    /** Lanes of batched reports: two commits can wait for their flush at once while the other lane builds a batch. */
    private static final int REPORT_LANES = 2;
    /**
     * No waiting for more reports: a batch is what queued up while the lane's previous transaction committed. A
     * linger (20 ms was tried) saved a commit per small download run alone, but every report in a batch waits for
     * the ones after it, and the live frames came 5 to 30 ms later (bench/live.sh, ADR 0014).
     */
    private static final Duration REPORT_LINGER = Duration.ZERO;
    private static final Duration REPORT_DRAIN = Duration.ofSeconds(5);
    /** How soon a pause or cancel handled on another node reaches a fetch running here. */
    private static final Duration STOP_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** The shortest hold for an open host breaker: its wait may end a few milliseconds after we computed it. */
    private static final Duration MIN_HOST_HOLD = Duration.ofMillis(200);

    private final HttpFetcher fetcher;
    private final ImageInspector inspector;
    private final ImageLibrary library;
    private final FetchScheduler scheduler;
    private final ExecutorService threads;
    private final DownloadReports reports;
    /** Decoding is CPU- and memory-heavy: one image per core at a time, whatever the fetch concurrency. */
    private final ExecutorService processing;
    private final ExecutorService resolver;
    private final OkHttpClient client;
    /** The fetch each download has under way (queued or running), at most one. */
    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Counter bytesFetched;
    private final FetchHeartbeats heartbeats;
    private final ScheduledExecutorService heartbeatTimer;
    private final CommandGateway commands;
    private final Counter takenOver;
    private final HostBreakers hostBreakers;
    private final ScheduledExecutorService hostWaitTimer;
    private final HostWaits hostWaits;

    public DownloadFetchWorker(CommandGateway commands, DownloadsProperties properties, MeterRegistry meters, JdbcClient jdbc,
            PlatformTransactionManager transactions, HostBreakers hostBreakers) {
        this.commands = commands;
        this.hostBreakers = hostBreakers;
        this.heartbeats = new FetchHeartbeats(jdbc, properties.heartbeatStaleAfter());
        this.heartbeatTimer = Executors.newSingleThreadScheduledExecutor(named("picflow-fetch-heartbeat"));
        this.meters = meters;
        this.resolver = Executors.newCachedThreadPool(named("picflow-dns"));
        this.client = FetchClients.build(properties, resolver);
        this.fetcher = FetchClients.fetcher(properties, client);
        this.inspector = new ImageInspector(properties.maxPixels(), properties.thumbnailSize());
        this.library = new ImageLibrary(properties.storageDir());
        this.threads = Executors.newCachedThreadPool(named("picflow-fetch"));
        this.reports = new DownloadReports(commands, transactions, REPORT_LANES, REPORT_LINGER, named("picflow-report"));
        this.processing = Executors.newFixedThreadPool(properties.processingThreads(), named("picflow-process"));
        this.scheduler = new FetchScheduler(properties.globalConcurrency(), properties.perHostConcurrency(), threads, this::run);
        this.hostWaitTimer = Executors.newSingleThreadScheduledExecutor(named("picflow-host-wait"));
        this.hostWaits = new HostWaits(hostWaitTimer, this::wakeFromHostWait);
        hostBreakers.onClosed(hostWaits::release);
        this.takenOver = Counter.builder("picflow.downloads.fetches.taken.over")
                .description("Fetches of nodes that stopped beating, expired by this node so that they are retried").register(meters);
        this.bytesFetched = Counter.builder("picflow.downloads.bytes.fetched").baseUnit("bytes")
                .description("Bytes received from remote servers").register(meters);
        Gauge.builder("picflow.downloads.fetches.active", scheduler, FetchScheduler::runningCount)
                .description("Fetches running now").register(meters);
        Gauge.builder("picflow.downloads.fetches.queued", scheduler, FetchScheduler::waitingCount)
                .description("Fetches waiting for a free slot").register(meters);
        Gauge.builder("picflow.downloads.fetches.held", hostWaits, HostWaits::size)
                .description("Fetches waiting for their host's circuit breaker to let calls through again").register(meters);
        // Last: the first beat runs at once, on another thread, and needs every field above.
        heartbeatTimer.scheduleWithFixedDelay(this::beatSafely, 0, properties.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        heartbeatTimer.scheduleWithFixedDelay(this::obeyStopsSafely, STOP_CHECK_INTERVAL.toMillis(), STOP_CHECK_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the fetches that another node asked to stop ({@link FetchHeartbeats#requestStop}): a pause, cancel or
     * watchdog handled on a node that does not run the fetch. Looked for every second, and only while this node has
     * fetches: an idle node reads nothing.
     */
    private void obeyStopsSafely() {
        try {
            if (active.isEmpty()) {
                return;
            }
            for (FetchHeartbeats.StopRequest stop : heartbeats.stopsFor(active.keySet())) {
                Active current = active.get(stop.downloadId());
                if (current != null && current.fetch() <= stop.upToFetch()) {
                    log.info("Download {} fetch {}: stopped at the request of another node{}", stop.downloadId(), current.fetch(),
                            stop.discard() ? " (discarded)" : "");
                    stopHere(stop.downloadId(), stop.upToFetch(), stop.discard());
                }
                // The request stays: another node may run a fetch it also names (a stalled node's earlier one beside
                // the current one). Fetch numbers make it harmless to later fetches; it expires after 10 minutes.
            }
        } catch (RuntimeException e) {
            log.error("Looking for fetches to stop failed", e);
        }
    }

    /** A periodic task that throws is never run again: a beat that fails is logged, and the next one tries again. */
    private void beatSafely() {
        try {
            beat();
        } catch (RuntimeException e) {
            log.error("A fetch heartbeat failed", e);
        }
    }

    /** A fetch this node has: queued until {@code runningSince} is set, when it gets a slot. */
    private record Active(int fetch, HttpFetcher.Cancellation cancellation, AtomicReference<Instant> runningSince) {

        Active(int fetch) {
            this(fetch, new HttpFetcher.Cancellation(), new AtomicReference<>());
        }

        FetchState state() {
            Instant since = runningSince.get();
            return since == null ? FetchState.QUEUED : FetchState.runningSince(since);
        }
    }

    @Override
    public void start(FetchJob job) {
        boolean[] duplicate = {false};
        active.compute(job.downloadId(), (id, previous) -> {
            if (previous != null && previous.fetch() == job.fetch()) {
                duplicate[0] = true; // the same fetch delivered twice (e.g. after a restart): one worker is enough
                return previous;
            }
            if (previous != null) {
                previous.cancellation().cancel();
            }
            return new Active(job.fetch());
        });
        if (!duplicate[0]) {
            scheduler.submit(job);
        }
    }

    @Override
    public void pause(String downloadId, int upToFetch) {
        stopAnywhere(downloadId, upToFetch, false);
    }

    @Override
    public void discard(String downloadId, int upToFetch) {
        stopAnywhere(downloadId, upToFetch, true);
    }

    /**
     * Stops the fetch here if this node has it; otherwise asks whichever node has it (it looks every second). The
     * request is written in the caller's transaction (the process manager's), so it holds if and only if the pause
     * or cancel that caused it was processed.
     */
    private void stopAnywhere(String downloadId, int upToFetch, boolean discard) {
        Active here = active.get(downloadId);
        // Integer.MAX_VALUE: a process saved before it kept its fetch number. Such a request would also stop the
        // download's next fetch, wherever it starts in the next ten minutes: only this node is asked then.
        if ((here == null || here.fetch() > upToFetch) && upToFetch != Integer.MAX_VALUE) {
            heartbeats.requestStop(downloadId, upToFetch, discard);
        }
        stopHere(downloadId, upToFetch, discard);
    }

    private void stopHere(String downloadId, int upToFetch, boolean discard) {
        Active current = active.get(downloadId);
        if (current != null && current.fetch() <= upToFetch) {
            stop(downloadId);
        }
        if (discard) {
            PartialDownload.discardAll(library.partialDirectory(), downloadId, upToFetch);
        }
    }

    /** Whether this node has a fetch of the download, queued or running. */
    public boolean hasFetch(String downloadId) {
        Active current = active.get(downloadId);
        return current != null && !current.cancellation().isCancelled();
    }

    /** What this node knows of the fetch, or else what another node published recently ({@link FetchHeartbeats}). */
    @Override
    public FetchState stateOf(String downloadId, int fetch) {
        Active current = active.get(downloadId);
        if (current != null && current.fetch() == fetch && !current.cancellation().isCancelled()) {
            return current.state();
        }
        return heartbeats.stateElsewhere(downloadId, fetch);
    }

    /**
     * Publishes this node's fetches, stops those another node took over meanwhile, and takes over the fetches of
     * nodes that stopped beating: each is expired (the download schedules a retry, which any node may run).
     */
    private void beat() {
        List<FetchHeartbeats.Beat> beats = new ArrayList<>();
        active.forEach((downloadId, fetch) -> {
            if (!fetch.cancellation().isCancelled()) {
                beats.add(new FetchHeartbeats.Beat(downloadId, fetch.fetch(), fetch.runningSince().get()));
            }
        });
        for (FetchHeartbeats.StaleFetch taken : heartbeats.beat(beats)) {
            log.warn("Download {} fetch {} was taken over by another node (this node's heartbeat was stale); stopping it here",
                    taken.downloadId(), taken.fetch());
            Active current = active.get(taken.downloadId());
            if (current != null && current.fetch() == taken.fetch()) {
                stop(taken.downloadId());
            }
        }
        for (FetchHeartbeats.StaleFetch stale : heartbeats.takeStale()) {
            log.info("Download {} fetch {}: its node stopped beating; expiring the fetch so that it is retried",
                    stale.downloadId(), stale.fetch());
            takenOver.increment();
            // If this command is lost, the fetch's watchdog still expires it: no heartbeat row means lost.
            commands.send(new ExpireFetch(stale.downloadId(), stale.fetch()));
        }
    }

    private void stop(String downloadId) {
        scheduler.withdraw(downloadId);
        hostWaits.withdraw(downloadId);
        Active stopped = active.remove(downloadId);
        if (stopped != null) {
            stopped.cancellation().cancel();
        }
    }

    /**
     * The network part, in a fetch slot: stream the body into the fetch's own partial file. The CPU part
     * (validate, decode, thumbnail, store) then runs on the processing pool, so that the slot fetches
     * the next image meanwhile: network and CPU overlap instead of taking turns.
     */
    private void run(FetchJob job) {
        Active mine = active.get(job.downloadId());
        if (mine == null || mine.fetch() != job.fetch() || mine.cancellation().isCancelled()) {
            return;
        }
        HttpFetcher.Cancellation cancellation = mine.cancellation();
        PartialDownload partial = new PartialDownload(library.partialDirectory(), job.downloadId(), job.fetch());
        String host = HostBreakers.keyOf(job.url());
        // From here to the try nothing may throw: a trial call of a half-open breaker must be given back or counted.
        HostBreakers.Call call = hostBreakers.tryCall(host);
        if (call == null) {
            holdForHost(job, host);
            return;
        }
        mine.runningSince().compareAndSet(null, Instant.now());
        MDC.put("correlationId", job.correlationId());
        boolean handedOver = false;
        try {
            partial.adoptEarlier();
            ProgressThrottle throttle = new ProgressThrottle(System::nanoTime);
            long[] counted = {partial.size()};
            HttpFetcher.Fetched fetched = fetcher.fetch(job.url(), partial, (bytes, total) -> {
                bytesFetched.increment(bytes - counted[0]);
                counted[0] = bytes;
                if (throttle.shouldReport(bytes, total)) {
                    reports.sendProgress(job, new RecordFetchProgress(job.downloadId(), job.fetch(), bytes, total));
                }
            }, cancellation);
            call.answered();
            // From here on the bytes are this fetch's own: a later fetch of the download cannot touch them.
            Path owned = partial.handOver();
            reports.send(job, new RecordImageFetched(job.downloadId(), job.fetch(), fetched.bytes(), fetched.contentType(),
                    fetched.sha256()));
            processing.execute(() -> process(job, mine, owned, fetched));
            handedOver = true;
        } catch (HttpFetcher.Cancelled stopped) {
            outcome("stopped", "none");
        } catch (FetchFailure failure) {
            call.failed(failure);
            if (!failure.retryable()) {
                partial.discard();
            }
            failed(job, failure);
        } catch (IOException | RuntimeException unexpected) {
            failedUnexpectedly(job, unexpected);
        } finally {
            call.release(); // unless counted above: stopped, or our own failure, says nothing about the host
            if (!handedOver) {
                active.remove(job.downloadId(), mine);
            }
            MDC.remove("correlationId");
        }
    }

    /**
     * The host's breaker is open: the fetch waits, still this node's and still queued as far as the watchdog and the
     * heartbeat go, and no request, failure or attempt is spent on the host. It is tried again once the breaker's wait
     * is over; while the breaker is half-open with its trial calls taken, until the trials close it (which wakes it at
     * once) or for another wait at most.
     */
    private void holdForHost(FetchJob job, String host) {
        Duration delay = hostBreakers.stateOf(host) == CircuitBreaker.State.OPEN
                ? hostBreakers.retryIn(host) : hostBreakers.waitInOpen();
        if (delay.compareTo(MIN_HOST_HOLD) < 0) {
            delay = MIN_HOST_HOLD;
        }
        log.debug("Download {} fetch {}: host {} is failing (its circuit breaker is open); waiting {}", job.downloadId(),
                job.fetch(), host, delay);
        hostWaits.hold(job, host, delay);
        CircuitBreaker.State now = hostBreakers.stateOf(host);
        if (now == null || now == CircuitBreaker.State.CLOSED) {
            hostWaits.release(host); // closed (or evicted) between our asking and holding: its wake-up may have been missed
        }
    }

    /** A held fetch queues for a slot again, unless it was stopped or superseded meanwhile. */
    private void wakeFromHostWait(FetchJob job) {
        Active current = active.get(job.downloadId());
        if (current != null && current.fetch() == job.fetch() && !current.cancellation().isCancelled()) {
            scheduler.submit(job);
        }
    }

    private void process(FetchJob job, Active mine, Path file, HttpFetcher.Fetched fetched) {
        MDC.put("correlationId", job.correlationId());
        try {
            ImageInspector.Header header = inspector.validate(file);
            reports.send(job, new RecordImageValidated(job.downloadId(), job.fetch(), header.format().name(), header.width(),
                    header.height()));
            BufferedImage thumbnail = inspector.thumbnail(file, header);
            reports.send(job, new RecordImageProcessed(job.downloadId(), job.fetch(), thumbnail.getWidth(), thumbnail.getHeight()));
            requireUnchanged(file, fetched.sha256());
            library.store(file, fetched.sha256(), thumbnail);
            reports.send(job, new RecordImageStored(job.downloadId(), job.fetch(), ImageLibrary.imageIdOf(fetched.sha256()),
                    fetched.sha256(), fetched.bytes(), header.format().name(), header.format().contentType(),
                    header.width(), header.height()));
            outcome("completed", "none");
        } catch (FetchFailure failure) {
            failed(job, failure);
        } catch (RuntimeException unexpected) {
            failedUnexpectedly(job, unexpected);
        } finally {
            deleteQuietly(file);
            active.remove(job.downloadId(), mine);
            MDC.remove("correlationId");
        }
    }

    /**
     * The stored bytes must be the ones hashed while they arrived: the library names them by that hash. A second
     * node running the same fetch for a few seconds (until its heartbeat tells it to yield) could have appended to the
     * same partial file; then the fetch is retried rather than storing bytes under a hash they do not have.
     */
    private static void requireUnchanged(Path file, String sha256) throws FetchFailure {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            if (!java.util.HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
                throw FetchFailure.transientFailure(DownloadErrorCodes.STORAGE_ERROR,
                        "The fetched file changed while it was written (another fetch of the download wrote to it)");
            }
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw FetchFailure.transientFailure(DownloadErrorCodes.STORAGE_ERROR, "Could not read the fetched file: " + e.getMessage());
        }
    }

    private void failed(FetchJob job, FetchFailure failure) {
        outcome("failed", failure.code());
        log.info("Download {} fetch {} failed: {} {}", job.downloadId(), job.fetch(), failure.code(), failure.getMessage());
        reports.send(job, new RecordFetchFailure(job.downloadId(), job.fetch(), failure.code(), failure.getMessage(),
                failure.retryable(), failure.retryAfter()));
    }

    private void failedUnexpectedly(FetchJob job, Exception unexpected) {
        // Our own bug or an unexpected local I/O condition: retried, and visible in the logs.
        log.error("Download {} fetch {} failed unexpectedly", job.downloadId(), job.fetch(), unexpected);
        outcome("failed", DownloadErrorCodes.INTERNAL_ERROR);
        reports.send(job, new RecordFetchFailure(job.downloadId(), job.fetch(), DownloadErrorCodes.INTERNAL_ERROR,
                "The worker failed: " + unexpected.getClass().getSimpleName(), true, null));
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", file, e.toString());
        }
    }

    private void outcome(String outcome, String code) {
        meters.counter("picflow.downloads.fetch.attempts", "outcome", outcome, "code", code).increment();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void destroy() {
        active.values().forEach(running -> running.cancellation().cancel());
        heartbeatTimer.shutdownNow();
        hostWaitTimer.shutdownNow();
        threads.shutdownNow();
        processing.shutdownNow();
        reports.close(REPORT_DRAIN);
        resolver.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
