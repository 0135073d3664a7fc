package io.picflow.bench;

import static io.picflow.bench.BenchSupport.abbreviate;
import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load benchmark for {@code POST /api/downloads} against a running picflow (see {@code bench/run.sh}).
 *
 * <p>For each concurrency level C, sends N requests spread over C threads, each sending synchronously
 * through one shared {@link HttpClient} (HTTP/1.1, keep-alive). Reports accepted (202) per second of wall
 * time, p50 and p99 latency over every request sent (errors included), and the number of non-202 answers.
 * Then measures the PostgreSQL ceiling the service sits on: single-row autocommit INSERTs from 32
 * connections for about 5 seconds, into a scratch table that is dropped afterwards.
 *
 * <p>The Markdown report goes to stdout, progress to stderr. Every loop is bounded by a count and a
 * deadline, and every network call by a timeout, so the run ends by itself. Only 127.0.0.1 is accepted.
 */
public final class DownloadRequestBench {

    static final String TARGET = "target: >= 1000 accepted/s at concurrency 32 with p99 <= 50 ms";
    static final String CEILING_TARGET = "target: accepted/s at concurrency 32 with p99 <= 50 ms >= 30 % of the INSERT ceiling";
    static final String CPU_TARGET = "target: service JVM CPU <= 1 ms per accepted request at concurrency 32";
    private static final double TARGET_CEILING_SHARE = 0.30;
    private static final double TARGET_CPU_MS = 1.0;
    private static final int TARGET_CONCURRENCY = 32;
    private static final double TARGET_RATE = 1000.0;
    private static final double TARGET_P99_MS = 50.0;

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private DownloadRequestBench() {
    }

    /** The command line, with its defaults. */
    record Options(URI baseUrl, WorkMeter.Options meter, int requests, List<Integer> levels, int warmup,
            int requestTimeoutSeconds, int levelTimeoutSeconds, boolean holdFetches) {

        static final String USAGE = """
                usage: DownloadRequestBench --base-url http://127.0.0.1:<port> [options]
                  --base-url URL          the running service (http, host 127.0.0.1 only)
                  --requests N            requests per concurrency level (default 3000)
                  --levels A,B,...        concurrency levels (default 1,8,32)
                  --warmup N              warm-up requests before measuring, 0 for none (default 300)
                  --request-timeout S     per-request timeout in seconds (default 30)
                  --level-timeout S       a level stops sending after this many seconds (default 300)
                  --hold-fetches B        true: the local origin holds its answers until the level's last request
                                          has been answered, so that fetching does not compete with ingest
                                          (default true; run.sh raises the service's stall timeout to match)
                """ + WorkMeter.Options.USAGE;

        static Options parse(String[] args) {
            Map<String, String> values = BenchSupport.options(args);
            URI baseUrl = BenchSupport.baseUrl(values);
            WorkMeter.Options meter = WorkMeter.Options.parse(values);
            int requests = positive(values, "requests", 3000, 1);
            List<Integer> levels = new ArrayList<>();
            String levelList = values.getOrDefault("levels", "1,8,32");
            values.remove("levels");
            for (String part : levelList.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int level = Integer.parseInt(part.trim());
                if (level < 1 || level > 1024) {
                    throw new IllegalArgumentException("--levels: each level must be 1..1024, got " + level);
                }
                levels.add(level);
            }
            if (levels.isEmpty()) {
                throw new IllegalArgumentException("--levels: at least one level");
            }
            int maxLevel = levels.stream().mapToInt(Integer::intValue).max().orElseThrow();
            if (requests < maxLevel) {
                throw new IllegalArgumentException("--requests (" + requests + ") must be at least the highest level (" + maxLevel + ")");
            }
            int warmup = positive(values, "warmup", 300, 0);
            int requestTimeout = positive(values, "request-timeout", 30, 1);
            int levelTimeout = positive(values, "level-timeout", 300, 1);
            String hold = values.getOrDefault("hold-fetches", "true");
            values.remove("hold-fetches");
            if (!hold.equals("true") && !hold.equals("false")) {
                throw new IllegalArgumentException("--hold-fetches: true or false, got " + hold);
            }
            BenchSupport.rejectUnknown(values);
            return new Options(baseUrl, meter, requests, List.copyOf(levels), warmup, requestTimeout, levelTimeout,
                    Boolean.parseBoolean(hold));
        }

        private static int positive(Map<String, String> values, String name, int fallback, int min) {
            Integer parsed = BenchSupport.number(values, name, Integer::parseInt);
            if (parsed == null) {
                return fallback;
            }
            if (parsed < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + parsed);
            }
            return parsed;
        }
    }

    /** One concurrency level's outcome. Latencies are over every request sent, errors included. */
    record LevelResult(int concurrency, int requested, int sent, long accepted, long errors, double wallSeconds,
            double p50Millis, double p99Millis, String firstError) {

        double acceptedPerSecond() {
            return wallSeconds > 0 ? accepted / wallSeconds : 0;
        }
    }

    public static void main(String[] args) {
        Options options = BenchSupport.parseOrExit(args, Options::parse, Options.USAGE);
        int status;
        try {
            // Downloads really fetch: the URLs point at this local server (the service allows private addresses).
            ImageServer.start();
            status = run(options, System.out);
        } catch (Exception e) {
            System.err.println("benchmark failed: " + e);
            e.printStackTrace(System.err);
            status = 1;
        }
        // Worker threads are daemons; exit explicitly so that nothing left behind keeps the JVM up.
        System.exit(status);
    }

    static int run(Options options, PrintStream out) throws Exception {
        try (WorkMeter meter = WorkMeter.open(options.meter())) {
            return run(options, meter, out);
        }
    }

    static int run(Options options, WorkMeter meter, PrintStream out) throws Exception {
        HttpClient client = BenchSupport.httpClient();
        String token = BenchSupport.devToken(client, options.baseUrl(), Duration.ofSeconds(options.requestTimeoutSeconds()),
                "bench");
        progress("token issued for user 'bench'");

        int maxLevel = options.levels().stream().mapToInt(Integer::intValue).max().orElseThrow();
        LevelResult warmup = null;
        if (options.warmup() > 0) {
            int threads = Math.min(maxLevel, options.warmup());
            progress("warm-up: %d requests over %d threads", options.warmup(), threads);
            warmup = runLevel(client, options, token, threads, options.warmup());
            progress("warm-up done: %d accepted, %d errors in %.1f s", warmup.accepted(), warmup.errors(), warmup.wallSeconds());
            if (warmup.accepted() == 0) {
                System.err.println("every warm-up request failed; first error: " + warmup.firstError());
                return 1;
            }
        }

        // The idle phase waits first for the warm-up's downloads to finish (the service to go quiet).
        WorkMeter.Work idle = null;
        if (options.meter().idleSeconds() > 0) {
            progress("idle: waiting for quiet, then %d s without requests", options.meter().idleSeconds());
            idle = meter.idle(options.meter().idleSeconds());
        }

        List<LevelResult> results = new ArrayList<>();
        List<WorkMeter.Work> work = new ArrayList<>();
        for (int level : options.levels()) {
            WorkMeter.Phase phase = meter.begin("concurrency " + level);
            progress("concurrency %d: %d requests", level, options.requests());
            LevelResult result = runLevel(client, options, token, level, options.requests());
            // Until quiet: the downloads the level started are processed, and their work is counted too.
            work.add(phase.end("accepted request", result.accepted(), result.wallSeconds()));
            progress("concurrency %d: %.1f accepted/s, p50 %.2f ms, p99 %.2f ms, %d errors",
                    level, result.acceptedPerSecond(), result.p50Millis(), result.p99Millis(), result.errors());
            if (result.firstError() != null) {
                progress("concurrency %d: first error: %s", level, result.firstError());
            }
            results.add(result);
        }

        InsertCeiling.Result[] inserts = InsertCeiling.measureBoth(meter);

        report(out, options, warmup, results, inserts[0], meter, work);
        meter.report(out, idle, meter.rows(work), inserts[0], inserts[1]);
        return 0;
    }

    // ---------------------------------------------------------------- HTTP

    /**
     * Sends {@code total} requests spread over {@code concurrency} threads, each sending synchronously; with
     * {@code --hold-fetches}, the origin answers the service's fetches only once the last request is answered.
     */
    static LevelResult runLevel(HttpClient client, Options options, String token, int concurrency, int total)
            throws InterruptedException {
        if (!options.holdFetches()) {
            return sendLevel(client, options, token, concurrency, total);
        }
        ImageServer.hold();
        try {
            return sendLevel(client, options, token, concurrency, total);
        } finally {
            ImageServer.release();
        }
    }

    private static LevelResult sendLevel(HttpClient client, Options options, String token, int concurrency, int total)
            throws InterruptedException {
        URI endpoint = options.baseUrl().resolve("/api/downloads");
        Duration requestTimeout = Duration.ofSeconds(options.requestTimeoutSeconds());
        long[] latencies = new long[total];
        int[] offsets = new int[concurrency];
        int[] shares = new int[concurrency];
        int[] sent = new int[concurrency];
        long[] accepted = new long[concurrency];
        long[] errors = new long[concurrency];
        AtomicReference<String> firstError = new AtomicReference<>();
        for (int i = 0, offset = 0; i < concurrency; i++) {
            shares[i] = total / concurrency + (i < total % concurrency ? 1 : 0);
            offsets[i] = offset;
            offset += shares[i];
        }

        CountDownLatch ready = new CountDownLatch(concurrency);
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        Thread[] workers = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            final int index = t;
            workers[t] = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long stopAt = deadline[0];
                for (int j = 0; j < shares[index]; j++) {
                    if (System.nanoTime() - stopAt >= 0 || Thread.currentThread().isInterrupted()) {
                        break;
                    }
                    long n = SEQUENCE.incrementAndGet();
                    HttpRequest request = HttpRequest.newBuilder(endpoint)
                            .timeout(requestTimeout)
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .header("Accept", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"url\":\"" + ImageServer.url("/bench/" + n + ".png") + "\",\"tags\":[\"bench\"]}"))
                            .build();
                    long began = System.nanoTime();
                    String error = null;
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 202) {
                            error = "HTTP " + response.statusCode() + ": " + abbreviate(response.body());
                        }
                    } catch (IOException e) {
                        error = e.toString();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        error = "interrupted";
                    }
                    latencies[offsets[index] + j] = System.nanoTime() - began;
                    sent[index] = j + 1;
                    if (error == null) {
                        accepted[index]++;
                    } else {
                        errors[index]++;
                        firstError.compareAndSet(null, error);
                    }
                }
            }, "bench-c" + concurrency + "-" + t);
            workers[t].setDaemon(true);
            workers[t].start();
        }

        ready.await();
        long began = System.nanoTime();
        deadline[0] = began + TimeUnit.SECONDS.toNanos(options.levelTimeoutSeconds());
        start.countDown(); // publishes deadline[0] to the workers (happens-before through the latch)
        // Each worker stops at the deadline plus at most one request timeout; allow a margin, then give up on it.
        long joinBy = deadline[0] + TimeUnit.SECONDS.toNanos(options.requestTimeoutSeconds() + 10L);
        boolean abandoned = BenchSupport.joinOrInterrupt(workers, joinBy);
        double wallSeconds = (System.nanoTime() - began) / 1e9;

        // Read the per-thread counters only after the joins (which make the workers' writes visible).
        int totalSent = 0;
        long totalAccepted = 0;
        long totalErrors = 0;
        for (int t = 0; t < concurrency; t++) {
            totalSent += sent[t];
            totalAccepted += accepted[t];
            totalErrors += errors[t];
        }
        long[] measured = new long[totalSent];
        for (int t = 0, at = 0; t < concurrency; t++) {
            System.arraycopy(latencies, offsets[t], measured, at, sent[t]);
            at += sent[t];
        }
        Arrays.sort(measured);
        String note = firstError.get();
        if (abandoned) {
            note = "worker(s) still blocked after the level timeout; their in-flight requests are not counted"
                    + (note == null ? "" : "; first error: " + note);
        }
        return new LevelResult(concurrency, total, totalSent, totalAccepted, totalErrors, wallSeconds,
                percentileMillis(measured, 0.50), percentileMillis(measured, 0.99), note);
    }

    /** Nearest-rank percentile of a sorted array of nanosecond latencies, in milliseconds. */
    static double percentileMillis(long[] sortedNanos, double quantile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(quantile * sortedNanos.length);
        int index = Math.min(sortedNanos.length - 1, Math.max(0, rank - 1));
        return sortedNanos[index] / 1e6;
    }

    // ---------------------------------------------------------------- report

    static void report(PrintStream out, Options options, LevelResult warmup, List<LevelResult> results,
            InsertCeiling.Result inserts, WorkMeter meter, List<WorkMeter.Work> work) {
        out.println("# POST /api/downloads benchmark");
        out.println();
        out.println("- date: " + OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println("- service: " + options.baseUrl());
        out.println("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs visible");
        out.println(format("- requests per level: %d, spread over C threads, one keep-alive HTTP/1.1 client",
                options.requests()));
        if (warmup != null) {
            out.println(format("- warm-up: %d requests over %d threads (%d accepted, %d errors, not counted)",
                    warmup.sent(), warmup.concurrency(), warmup.accepted(), warmup.errors()));
        } else {
            out.println("- warm-up: none");
        }
        out.println("- latency: per request, nearest-rank percentiles over every request sent (errors included)");
        out.println();
        out.println("| concurrency | requests | accepted/s | p50 ms | p99 ms | errors | % of INSERT ceiling |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|");
        for (LevelResult r : results) {
            String requests = r.sent() == r.requested()
                    ? Integer.toString(r.sent())
                    : r.sent() + " of " + r.requested() + " (level timeout)";
            out.println(format("| %d | %s | %.1f | %.2f | %.2f | %d | %s |", r.concurrency(), requests,
                    r.acceptedPerSecond(), r.p50Millis(), r.p99Millis(), r.errors(),
                    inserts == null ? "-" : WorkMeter.percent(r.acceptedPerSecond(), inserts.insertsPerSecond())));
        }
        out.println();
        boolean anyError = false;
        for (LevelResult r : results) {
            if (r.firstError() != null) {
                out.println(format("- concurrency %d, first error: %s", r.concurrency(), r.firstError()));
                anyError = true;
            }
        }
        if (anyError) {
            out.println();
        }
        InsertCeiling.print(out, inserts);
        out.println();
        out.println(TARGET);
        out.println(verdict(results));
        out.println();
        out.println(CEILING_TARGET);
        out.println(ceilingVerdict(results, inserts));
        out.println();
        out.println(CPU_TARGET);
        out.println(cpuVerdict(meter, work));
        out.println();
    }

    static String verdict(List<LevelResult> results) {
        for (LevelResult r : results) {
            if (r.concurrency() == TARGET_CONCURRENCY) {
                boolean rateMet = r.acceptedPerSecond() >= TARGET_RATE;
                boolean p99Met = r.p99Millis() <= TARGET_P99_MS;
                return format("result: %s (%.1f accepted/s, p99 %.2f ms, %d errors at concurrency %d)",
                        rateMet && p99Met ? "MET" : "NOT MET", r.acceptedPerSecond(), r.p99Millis(), r.errors(),
                        TARGET_CONCURRENCY);
            }
        }
        return "result: not measured (no concurrency " + TARGET_CONCURRENCY + " level)";
    }

    static String ceilingVerdict(List<LevelResult> results, InsertCeiling.Result inserts) {
        for (LevelResult r : results) {
            if (r.concurrency() == TARGET_CONCURRENCY && inserts != null) {
                double share = r.acceptedPerSecond() / inserts.insertsPerSecond();
                return format("result: %s (%.1f accepted/s = %.1f %% of %.0f inserts/s, p99 %.2f ms)",
                        share >= TARGET_CEILING_SHARE && r.p99Millis() <= TARGET_P99_MS ? "MET" : "NOT MET",
                        r.acceptedPerSecond(), 100 * share, inserts.insertsPerSecond(), r.p99Millis());
            }
        }
        return "result: not measured (no concurrency " + TARGET_CONCURRENCY + " level or no ceiling)";
    }

    /**
     * On the JVM's CPU up to the level's last answer (the downloads the level started run meanwhile, in part), as
     * measured and less the idle rate; until quiet adds the rest of those downloads.
     */
    static String cpuVerdict(WorkMeter meter, List<WorkMeter.Work> work) {
        for (WorkMeter.Work w : work) {
            double level = WorkMeter.perUnit(w, w.window()).jvmMs();
            double net = WorkMeter.perUnit(w, meter.lessIdle(w.window())).jvmMs();
            if (w.name().equals("concurrency " + TARGET_CONCURRENCY) && !Double.isNaN(level)) {
                return format("result: %s (%.2f ms per accepted request up to the level's last answer, %.2f ms less the"
                                + " idle rate; %.2f ms until quiet, the rest of the downloads it started included)",
                        WorkMeter.verdict(level <= TARGET_CPU_MS, net <= TARGET_CPU_MS), level, net,
                        WorkMeter.perUnit(w, w.total()).jvmMs());
            }
        }
        return "result: not measured (no concurrency " + TARGET_CONCURRENCY + " level or no --service-pid)";
    }
}
