package io.picflow.bench;

import static io.picflow.bench.BenchSupport.abbreviate;
import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Download lifecycle benchmark against a running picflow (see {@code bench/lifecycle.sh}): whole downloads,
 * from {@code POST /api/downloads} to COMPLETED, compared with curl and ImageMagick on the same machine.
 *
 * <ol>
 *   <li><b>network</b>: the image set from a local server limited to N bytes/s per connection; picflow
 *       (user {@code bench}) against {@code curl --parallel --parallel-max 16}. Target: picflow at most 1.10x
 *       curl's wall time.</li>
 *   <li><b>cpu</b>: the same set without a rate limit (URLs with {@code ?cpu}, so new downloads; user
 *       {@code bench-cpu}); images fully processed per second against ImageMagick thumbnails with
 *       {@code xargs -P 2}. Target: picflow at least as fast.</li>
 *   <li><b>memory</b>: 500 downloads of URLs that trickle one byte per second (user {@code bench-mem}); the
 *       service JVM's peak RSS while they are held. Target: under 768 MB.</li>
 * </ol>
 *
 * <p>The Markdown report goes to stdout, one section per scenario as soon as it is done; progress goes to
 * stderr. Every wait has a deadline and every call a timeout, so a run ends by itself. Only 127.0.0.1.
 */
public final class DownloadLifecycleBench {

    static final List<String> SCENARIOS = List.of("network", "cpu", "memory");
    static final double NETWORK_TARGET_RATIO = 1.10;
    static final String NETWORK_TARGET = "target: picflow <= 1.10x curl";
    static final String CPU_TARGET = "target: picflow >= ImageMagick";
    static final long MEMORY_TARGET_MIB = 768;
    static final String MEMORY_TARGET = "target: peak RSS (VmHWM) of the service JVM under 768 MB";
    static final int MEMORY_DOWNLOADS = 500;
    static final int MEMORY_HOLD_SECONDS = 30;
    static final int CURL_PARALLEL = 16;
    static final int CONVERT_PARALLEL = 2;
    static final String CONVERT = "/usr/bin/convert";
    static final int THUMBNAIL_SIZE = 256;

    private DownloadLifecycleBench() {
    }

    /** The command line, with its defaults. */
    record Options(URI baseUrl, WorkMeter.Options meter, Set<String> scenarios, int images, long rateBytesPerSecond,
            int completionTimeoutSeconds, int warmupBatches) {

        static final String USAGE = """
                usage: DownloadLifecycleBench --base-url http://127.0.0.1:<port> [options]
                  --base-url URL                 the running service (http, host 127.0.0.1 only)
                  --scenarios A,B,...            network, cpu, memory or all (default all; they run in that order)
                  --images N                     images in the set (default 200)
                  --rate-bytes-per-second N      per-connection limit in the network scenario (default 2000000)
                  --completion-timeout S         longest wait for a batch of downloads to finish (default 900)
                  --warmup-batches N             network: warm-up batches through picflow before measuring (default 4)
                """ + WorkMeter.Options.USAGE + """
                (the memory scenario needs --service-pid)
                """;

        static Options parse(String[] args) {
            Map<String, String> values = BenchSupport.options(args);
            URI baseUrl = BenchSupport.baseUrl(values);
            WorkMeter.Options meter = WorkMeter.Options.parse(values);
            Set<String> scenarios = new LinkedHashSet<>();
            String list = values.getOrDefault("scenarios", "all");
            values.remove("scenarios");
            for (String part : list.split(",")) {
                String name = part.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                if (name.equals("all")) {
                    scenarios.addAll(SCENARIOS);
                } else if (SCENARIOS.contains(name)) {
                    scenarios.add(name);
                } else {
                    throw new IllegalArgumentException("--scenarios: unknown scenario " + name + " (network, cpu, memory, all)");
                }
            }
            if (scenarios.isEmpty()) {
                throw new IllegalArgumentException("--scenarios: at least one scenario");
            }
            Set<String> ordered = new LinkedHashSet<>();
            SCENARIOS.stream().filter(scenarios::contains).forEach(ordered::add);
            if (ordered.contains("memory") && meter.servicePid() == null) {
                throw new IllegalArgumentException("the memory scenario needs --service-pid (or leave it out with --scenarios network,cpu)");
            }
            int images = (int) number(values, "images", 200, 1, 100_000);
            long rate = number(values, "rate-bytes-per-second", 2_000_000, 1, Long.MAX_VALUE);
            int completionTimeout = (int) number(values, "completion-timeout", 900, 1, 86_400);
            int warmupBatches = (int) number(values, "warmup-batches", 4, 0, 100);
            BenchSupport.rejectUnknown(values);
            return new Options(baseUrl, meter, Collections.unmodifiableSet(ordered), images, rate, completionTimeout,
                    warmupBatches);
        }

        Long servicePid() {
            return meter.servicePid();
        }

        private static long number(Map<String, String> values, String name, long fallback, long min, long max) {
            Long parsed = BenchSupport.number(values, name, Long::parseLong);
            if (parsed == null) {
                return fallback;
            }
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException("--" + name + " must be " + min + ".." + max + ", got " + parsed);
            }
            return parsed;
        }

        boolean runs(String scenario) {
            return scenarios.contains(scenario);
        }
    }

    public static void main(String[] args) {
        Options options = BenchSupport.parseOrExit(args, Options::parse, Options.USAGE);
        int status;
        Path work = null;
        try {
            work = Files.createTempDirectory("picflow-lifecycle-");
            Path cleanup = work;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(cleanup), "lifecycle-cleanup"));
            status = run(options, work, System.out);
        } catch (Exception e) {
            System.err.println("benchmark failed: " + e);
            e.printStackTrace(System.err);
            status = 1;
        } finally {
            if (work != null) {
                deleteRecursively(work);
            }
        }
        // Worker threads are daemons; exit explicitly so that nothing left behind keeps the JVM up.
        System.exit(status);
    }

    static int run(Options options, Path work, PrintStream out) throws Exception {
        try (WorkMeter meter = WorkMeter.open(options.meter())) {
            return run(options, meter, work, out);
        }
    }

    static int run(Options options, WorkMeter meter, Path work, PrintStream out) throws Exception {
        LifecycleApi api = new LifecycleApi(options.baseUrl());
        LifecycleUnits units = new LifecycleUnits(meter, api);
        LifecycleServiceProcess service = null;
        if (options.servicePid() != null) {
            service = LifecycleServiceProcess.of(options.servicePid());
            if (!service.looksLikeService()) {
                progress("warning: pid %d does not look like picflow-standalone.jar; measuring it anyway", service.pid());
            }
        }
        LifecycleImageSet set = null;
        if (options.runs("network") || options.runs("cpu")) {
            progress("writing %d noise PNGs to %s", options.images(), work.resolve("set"));
            long began = System.nanoTime();
            set = LifecycleImageSet.generate(work.resolve("set"), options.images());
            progress("image set ready in %.1f s: %.1f MB", seconds(System.nanoTime() - began), set.totalBytes() / 1e6);
        }
        LifecycleImageSet images = set;
        boolean ok = true;
        try (LifecycleImageServer server = LifecycleImageServer.start(images)) {
            header(out, options, service, images, server);
            units.beforeLoad();
            if (options.runs("network")) {
                ok &= section(out, "Network-bound", () -> network(options, api, units, images, server, work, out));
            }
            if (options.runs("cpu")) {
                ok &= section(out, "CPU-bound", () -> cpu(options, api, units, images, server, work, out));
            }
            // Before the memory scenario, which leaves its trickling downloads running until the service stops.
            units.ceilings();
            if (options.runs("memory")) {
                LifecycleServiceProcess measured = service;
                ok &= section(out, "Memory", () -> memory(api, measured, server, out));
            }
            units.print(out);
        }
        return ok ? 0 : 1;
    }

    private interface Scenario {
        boolean run() throws Exception;
    }

    /** Runs a scenario; a failure is reported in its place and the next scenario still runs. */
    private static boolean section(PrintStream out, String name, Scenario scenario) {
        try {
            return scenario.run();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("[bench] scenario " + name + " failed: " + e);
            e.printStackTrace(System.err);
            out.println("## " + name);
            out.println();
            out.println("scenario failed: " + abbreviate(e.toString()));
            out.println();
            out.flush();
            return false;
        }
    }

    private static void header(PrintStream out, Options options, LifecycleServiceProcess service, LifecycleImageSet set,
            LifecycleImageServer server) {
        out.println("# Download lifecycle benchmark");
        out.println();
        out.println("- date: " + OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println("- service: " + options.baseUrl() + (service == null ? ""
                : " (pid " + service.pid() + ", JVM flags: " + String.join(" ", service.jvmOptions()) + ")"));
        out.println("- service heap: -Xmx" + (service == null ? "? (no --service-pid)"
                : (service.maxHeap() == null ? " not set (JVM default)" : service.maxHeap())
                        + ", MALLOC_ARENA_MAX=" + (service.mallocArenaMax() == null ? "unset" : service.mallocArenaMax())));
        out.println("- client JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs visible (client, service, PostgreSQL,"
                + " Elasticsearch, curl and ImageMagick share them)");
        out.println("- scenarios: " + String.join(", ", options.scenarios()));
        if (set != null) {
            out.println("- image set: " + set.describe());
        }
        out.println(format("- origin: JDK HttpServer at %s, %d handler threads", server.base(), LifecycleImageServer.THREADS));
        out.println("- MB = 10^6 bytes for transfer rates; memory in MB of 2^20 bytes (as /proc reports kB of 1024)");
        out.println();
        out.flush();
    }

    // ---------------------------------------------------------------- network

    private static boolean network(Options options, LifecycleApi api, LifecycleUnits units, LifecycleImageSet set,
            LifecycleImageServer server, Path work, PrintStream out) throws Exception {
        long rate = options.rateBytesPerSecond();
        server.rateBytesPerSecond(rate);
        server.resetSetStats();
        long timeoutNanos = TimeUnit.SECONDS.toNanos(options.completionTimeoutSeconds());

        PicflowRun warmup = null;
        if (options.warmupBatches() > 0) {
            warmup = warmup(options, api, server, work, timeoutNanos);
            server.resetSetStats();
        }

        progress("network: curl --parallel --parallel-max %d, %d images at %.2f MB/s per connection",
                CURL_PARALLEL, set.size(), rate / 1e6);
        ToolRun curl = curl(set, server, work.resolve("curl"), options.completionTimeoutSeconds());
        LifecycleImageServer.SetStats curlServed = server.resetSetStats();
        progress("network: curl %d/%d in %.2f s", curl.ok(), set.size(), curl.wallSeconds());

        progress("network: picflow, %d downloads (user bench)", set.size());
        List<String> urls = new ArrayList<>();
        set.images().forEach(image -> urls.add(server.setUrl(image.index(), null)));
        String token = api.token("bench");
        LifecycleUnits.Started metered = units.begin("network batch");
        PicflowRun picflow = picflow(api, token, urls, set, timeoutNanos);
        LifecycleImageServer.SetStats picflowServed = server.resetSetStats();
        units.end(metered, picflow.completion(), picflow.wallSeconds());
        progress("network: picflow %d completed, %d failed in %.2f s", picflow.completion().completed(),
                picflow.completion().failed(), picflow.wallSeconds());

        double floor = Math.max(set.largestBytes() / (double) rate, set.totalBytes() / (CURL_PARALLEL * (double) rate));
        out.println(format("## Network-bound: %d images at %.2f MB/s per connection", set.size(), rate / 1e6));
        out.println();
        out.println("| client | images | wall s | MB/s |");
        out.println("|---|---:|---:|---:|");
        out.println(format("| picflow (16 fetches at once) | %d | %.2f | %.2f |", picflow.completion().completed(),
                picflow.wallSeconds(), picflow.completedBytes() / 1e6 / picflow.wallSeconds()));
        if (warmup != null) {
            out.println(format("| picflow, first batch after start-up (warm-up set) | %d | %.2f | %.2f |",
                    warmup.completion().completed(), warmup.wallSeconds(), warmup.completedBytes() / 1e6 / warmup.wallSeconds()));
        }
        out.println(format("| curl --parallel --parallel-max %d | %d | %.2f | %.2f |", CURL_PARALLEL, curl.ok(),
                curl.wallSeconds(), curl.okBytes() / 1e6 / curl.wallSeconds()));
        out.println();
        double ratio = picflow.wallSeconds() / curl.wallSeconds();
        out.println(format("ratio picflow/curl: %.2fx", ratio));
        out.println();
        picflowNotes(out, picflow, "first POST to the poll that saw the last completion");
        if (warmup != null) {
            out.println(format("- warm-up: before curl, %d batches of %d other images (%s) through picflow: the first at"
                    + " this rate (the cold row above), the others without a limit. The measured batch then runs on"
                    + " compiled code, as on a service that has been up a while: during the first batch the JIT compilers"
                    + " take about a quarter of the CPU. --warmup-batches 0 measures the first batch instead",
                    options.warmupBatches(), warmup.requested(), "java.util.Random(" + (LifecycleImageSet.SEED + 1) + ")"));
        }
        out.println(format("- picflow origin side: %d responses, %.1f MB, peak %d at once, %d aborted; first request"
                        + " %.2f s and last byte %.2f s after the first POST, %.1f connections busy on average in between",
                picflowServed.responses(), picflowServed.bytes() / 1e6, picflowServed.peakInFlight(), picflowServed.errors(),
                seconds(picflowServed.firstStartNanos() - picflow.batch().startedNanos()),
                seconds(picflowServed.lastEndNanos() - picflow.batch().startedNanos()), picflowServed.meanInFlight()));
        out.println(format("- curl: exit %d, %d of %d files complete, wall from start to exit of the process%s",
                curl.exitCode(), curl.ok(), set.size(), curl.note() == null ? "" : "; " + curl.note()));
        out.println(format("- curl origin side: %d responses, %.1f MB, peak %d at once, %d aborted; %.1f connections busy"
                        + " on average from the first request to the last byte",
                curlServed.responses(), curlServed.bytes() / 1e6, curlServed.peakInFlight(), curlServed.errors(),
                curlServed.meanInFlight()));
        out.println(format("- floor at this rate with 16 connections: %.2f s (max of the largest image / rate and"
                + " total / (16 x rate))", floor));
        out.println();
        concurrencyOverTime(out, curlServed, picflowServed, picflow.batch().startedNanos());
        new LifecycleStages(api.baseUrl()).print(out, picflow.batch().ids(), picflow.batch().startedAt(),
                picflow.batch().wallClockOf(picflow.completion().endNanos()));
        out.println(NETWORK_TARGET);
        boolean complete = picflow.allCompleted() && curl.ok() == set.size();
        String verdict;
        if (curl.ok() != set.size()) {
            verdict = format("result: not measured (curl fetched %d of %d)", curl.ok(), set.size());
        } else {
            verdict = format("result: %s (%.2fx; picflow %d of %d completed, %d failed)",
                    complete && ratio <= NETWORK_TARGET_RATIO ? "MET" : "NOT MET", ratio,
                    picflow.completion().completed(), set.size(), picflow.completion().failed());
        }
        out.println(verdict);
        out.println();
        out.flush();
        return curl.ok() == set.size() && picflow.batch().accepted() > 0;
    }

    /**
     * The warm-up: {@code --warmup-batches} batches of as many images again, from the next seed (other bytes,
     * so that the measured batch stores every image anew). The first goes at the scenario's rate and is
     * reported as the cold run; the others go without a rate limit (new URLs of the same files), only to run
     * the code often enough for the JIT to compile it. Returns the first.
     */
    private static PicflowRun warmup(Options options, LifecycleApi api, LifecycleImageServer server, Path work,
            long timeoutNanos) throws Exception {
        progress("network: writing the warm-up set (%d images)", options.images());
        LifecycleImageSet warmupSet = LifecycleImageSet.generate(work.resolve("warmup"), options.images(),
                LifecycleImageSet.SEED + 1);
        server.serveWarmup(warmupSet);
        PicflowRun first = null;
        for (int batch = 1; batch <= options.warmupBatches(); batch++) {
            server.rateBytesPerSecond(batch == 1 ? options.rateBytesPerSecond() : 0);
            List<String> urls = new ArrayList<>();
            for (LifecycleImageSet.Image image : warmupSet.images()) {
                urls.add(server.warmupUrl(image.index()) + (batch == 1 ? "" : "?batch=" + batch));
            }
            progress("network: warm-up batch %d of %d, picflow %d downloads (user bench-warmup-%d)", batch,
                    options.warmupBatches(), urls.size(), batch);
            PicflowRun run = picflow(api, api.token("bench-warmup-" + batch), urls, warmupSet, timeoutNanos);
            progress("network: warm-up batch %d: %d completed, %d failed in %.2f s", batch, run.completion().completed(),
                    run.completion().failed(), run.wallSeconds());
            first = first == null ? run : first;
        }
        server.rateBytesPerSecond(options.rateBytesPerSecond());
        return first;
    }

    /**
     * Connections busy at the origin, on average per second: curl from its first request, picflow from its
     * first POST. A client that keeps its 16 slots full shows 16 until the last images trickle out.
     */
    private static void concurrencyOverTime(PrintStream out, LifecycleImageServer.SetStats curl,
            LifecycleImageServer.SetStats picflow, long picflowStartNanos) {
        long second = TimeUnit.SECONDS.toNanos(1);
        double[] curlBusy = curl.meanInFlightPer(curl.firstStartNanos(), second);
        double[] picflowBusy = picflow.meanInFlightPer(picflowStartNanos, second);
        out.println();
        out.println("Connections busy at the origin, mean per second (curl from its first request, picflow from its first POST):");
        out.println();
        out.println("| second | curl | picflow |");
        out.println("|---:|---:|---:|");
        for (int s = 0; s < Math.max(curlBusy.length, picflowBusy.length); s++) {
            out.println(format("| %d | %s | %s |", s + 1, s < curlBusy.length ? format("%.1f", curlBusy[s]) : "-",
                    s < picflowBusy.length ? format("%.1f", picflowBusy[s]) : "-"));
        }
        out.println();
    }

    // ---------------------------------------------------------------- cpu

    private static boolean cpu(Options options, LifecycleApi api, LifecycleUnits units, LifecycleImageSet set,
            LifecycleImageServer server, Path work, PrintStream out) throws Exception {
        server.rateBytesPerSecond(0);
        server.resetSetStats();
        long timeoutNanos = TimeUnit.SECONDS.toNanos(options.completionTimeoutSeconds());

        progress("cpu: picflow, %d downloads without a rate limit (user bench-cpu, URLs with ?cpu)", set.size());
        List<String> urls = new ArrayList<>();
        set.images().forEach(image -> urls.add(server.setUrl(image.index(), "cpu")));
        String token = api.token("bench-cpu");
        LifecycleUnits.Started metered = units.begin("cpu batch");
        PicflowRun picflow = picflow(api, token, urls, set, timeoutNanos);
        LifecycleImageServer.SetStats served = server.resetSetStats();
        units.end(metered, picflow.completion(), picflow.wallSeconds());
        double picflowRate = picflow.completion().completed() / picflow.wallSeconds();
        progress("cpu: picflow %d completed in %.2f s (%.1f images/s)", picflow.completion().completed(),
                picflow.wallSeconds(), picflowRate);

        String version = imageMagickVersion();
        ToolRun convert = null;
        if (version != null) {
            progress("cpu: %s -thumbnail %dx%d over %d images, xargs -P %d", CONVERT, THUMBNAIL_SIZE, THUMBNAIL_SIZE,
                    set.size(), CONVERT_PARALLEL);
            convert = imageMagick(set, work.resolve("thumbnails"), options.completionTimeoutSeconds());
            progress("cpu: ImageMagick %d in %.2f s", convert.ok(), convert.wallSeconds());
        }
        double convertRate = convert == null ? Double.NaN : convert.ok() / convert.wallSeconds();

        out.println(format("## CPU-bound: %d images, no rate limit", set.size()));
        out.println();
        out.println("| tool | images | wall s | images/s |");
        out.println("|---|---:|---:|---:|");
        out.println(format("| picflow (fetch, validate, SHA-256, thumbnail, store; 16 at once) | %d | %.2f | %.2f |",
                picflow.completion().completed(), picflow.wallSeconds(), picflowRate));
        if (convert != null) {
            out.println(format("| ImageMagick convert -thumbnail %dx%d, xargs -P %d | %d | %.2f | %.2f |", THUMBNAIL_SIZE,
                    THUMBNAIL_SIZE, CONVERT_PARALLEL, convert.ok(), convert.wallSeconds(), convertRate));
        } else {
            out.println("| ImageMagick | not available (" + CONVERT + " missing or not ImageMagick) | | |");
        }
        out.println();
        picflowNotes(out, picflow, "first POST to the poll that saw the last completion");
        out.println(format("- picflow origin side: %d responses, %.1f MB, peak %d at once, %d aborted (the bytes equal the"
                        + " network scenario's, so storage deduplicates them, but each is fetched, validated, hashed and"
                        + " thumbnailed again)", served.responses(), served.bytes() / 1e6, served.peakInFlight(), served.errors()));
        if (convert != null) {
            out.println(format("- ImageMagick: %s; exit %d, %d of %d thumbnails written, wall from start to exit of"
                            + " xargs (reads the same files from the page cache)%s", version, convert.exitCode(), convert.ok(),
                    set.size(), convert.note() == null ? "" : "; " + convert.note()));
        }
        out.println();
        out.println(CPU_TARGET);
        if (convert == null || convert.ok() == 0) {
            out.println("result: not measured (no ImageMagick result)");
        } else {
            out.println(format("result: %s (picflow %.2f images/s, ImageMagick %.2f images/s, %.2fx; picflow %d failed)",
                    picflow.allCompleted() && picflowRate >= convertRate ? "MET" : "NOT MET", picflowRate, convertRate,
                    picflowRate / convertRate, picflow.completion().failed()));
        }
        out.println();
        out.flush();
        return picflow.batch().accepted() > 0 && convert != null && convert.ok() == set.size();
    }

    // ---------------------------------------------------------------- memory

    private static boolean memory(LifecycleApi api, LifecycleServiceProcess service, LifecycleImageServer server,
            PrintStream out) throws Exception {
        long lifetimePeakKb = service.statusKilobytes("VmHWM");
        long startKb = service.statusKilobytes("VmRSS");
        String resetError = service.resetPeak();

        RssSampler sampler = new RssSampler(service);
        sampler.start();
        LifecycleBatch batch;
        Map<String, Long> statuses;
        long heldSeconds;
        try {
            String token = api.token("bench-mem");
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < MEMORY_DOWNLOADS; i++) {
                urls.add(server.trickleUrl(i));
            }
            progress("memory: %d downloads of URLs that send 1 byte/s (user bench-mem)", MEMORY_DOWNLOADS);
            batch = LifecycleBatch.submit(api, token, urls, LifecycleBatch.CLIENT_THREADS);
            // Each POST has a 30 s timeout: this bounds the whole submission generously.
            if (!batch.awaitSubmitted(batch.startedNanos() + TimeUnit.MINUTES.toNanos(10))) {
                progress("memory: some POSTs still unanswered after 10 minutes; holding anyway");
            }
            long submitted = batch.isSubmitted() ? batch.submittedNanos() : System.nanoTime();
            progress("memory: %d accepted in %.1f s; holding %d s", batch.accepted(),
                    seconds(submitted - batch.startedNanos()), MEMORY_HOLD_SECONDS);
            long holdUntil = submitted + TimeUnit.SECONDS.toNanos(MEMORY_HOLD_SECONDS);
            for (long left; (left = holdUntil - System.nanoTime()) > 0; ) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
            heldSeconds = Math.round(seconds(System.nanoTime() - submitted));
            statuses = LifecycleBatch.statusCounts(api, token);
        } finally {
            sampler.stop();
        }
        long peakKb = service.statusKilobytes("VmHWM");
        long endKb = service.statusKilobytes("VmRSS");
        LifecycleImageServer.TrickleStats trickles = server.trickleStats();
        server.stopTrickling();
        progress("memory: VmHWM %.0f MB, peak sampled VmRSS %.0f MB", mib(peakKb), mib(sampler.maxKb()));

        String xmx = service.maxHeap() == null ? "not set" : service.maxHeap();
        out.println(format("## Memory: %d downloads of a URL that sends 1 byte per second", MEMORY_DOWNLOADS));
        out.println();
        out.println("| -Xmx | downloads accepted | peak RSS MB (VmHWM) |");
        out.println("|---:|---:|---:|");
        out.println(format("| %s | %d | %.0f |", xmx, batch.accepted(), mib(peakKb)));
        out.println();
        out.println(format("- service JVM pid %d only (not its PostgreSQL or Elasticsearch children)", service.pid()));
        out.println(resetError == null
                ? format("- VmHWM reset to the current RSS at the start of the scenario (/proc/<pid>/clear_refs), so the"
                        + " peak covers this scenario only; lifetime peak before it: %.0f MB", mib(lifetimePeakKb))
                : format("- VmHWM could not be reset (%s): it is the peak over the service's lifetime, earlier"
                        + " scenarios included", abbreviate(resetError)));
        out.println(format("- VmRSS at the start %.0f MB, at the end %.0f MB, peak of %d samples (every 1 s) %.0f MB",
                mib(startKb), mib(endKb), sampler.samples(), mib(sampler.maxKb())));
        out.println(format("- POSTs: %d of %d accepted from %d client threads in %.1f s, then held %d s%s",
                batch.accepted(), batch.requested(), LifecycleBatch.CLIENT_THREADS,
                seconds((batch.isSubmitted() ? batch.submittedNanos() : System.nanoTime()) - batch.startedNanos()),
                heldSeconds, batch.firstPostError() == null ? "" : "; first error: " + batch.firstPostError()));
        out.println("- statuses at the end of the hold: " + describeCounts(statuses));
        out.println(format("- origin side: %d trickle requests, %d connections open at the end, at most %d at once",
                trickles.requests(), trickles.open(), trickles.peakOpen()));
        out.println();
        out.println(MEMORY_TARGET);
        boolean allAccepted = batch.accepted() == MEMORY_DOWNLOADS;
        out.println(format("result: %s (VmHWM %.0f MB, %d of %d accepted)",
                allAccepted && mib(peakKb) < MEMORY_TARGET_MIB ? "MET" : "NOT MET", mib(peakKb), batch.accepted(),
                MEMORY_DOWNLOADS));
        out.println();
        out.flush();
        return batch.accepted() > 0;
    }

    /** Samples the service's VmRSS every second on a daemon thread. */
    private static final class RssSampler {
        private final LifecycleServiceProcess service;
        private final AtomicLong maxKb = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();
        private volatile boolean stopped;
        private Thread thread;

        RssSampler(LifecycleServiceProcess service) {
            this.service = service;
        }

        void start() {
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (!stopped) {
                    try {
                        long kb = service.statusKilobytes("VmRSS");
                        maxKb.accumulateAndGet(kb, Math::max);
                        samples.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        if (!service.isAlive()) {
                            return;
                        }
                    }
                    next += TimeUnit.SECONDS.toNanos(1);
                    long left = next - System.nanoTime();
                    if (left > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(left);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "lifecycle-rss");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.interrupt();
            thread.join(5_000);
        }

        long maxKb() {
            return maxKb.get();
        }

        long samples() {
            return samples.get();
        }
    }

    // ---------------------------------------------------------------- picflow

    /** One batch through picflow: its POSTs, the wait for completion, and per-download detail if not all completed. */
    record PicflowRun(LifecycleBatch batch, LifecycleBatch.Completion completion, LifecycleBatch.Details details,
            long completedBytes, int requested) {

        double wallSeconds() {
            return seconds(completion.endNanos() - batch.startedNanos());
        }

        boolean allCompleted() {
            return !completion.timedOut() && completion.completed() == requested;
        }
    }

    private static PicflowRun picflow(LifecycleApi api, String token, List<String> urls, LifecycleImageSet set,
            long timeoutNanos) throws InterruptedException {
        LifecycleBatch batch = LifecycleBatch.submit(api, token, urls, LifecycleBatch.CLIENT_THREADS);
        LifecycleBatch.Completion completion = batch.awaitCompletion(api, token, batch.startedNanos() + timeoutNanos);
        if (!batch.isSubmitted()) {
            batch.awaitSubmitted(System.nanoTime() + LifecycleApi.REQUEST_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5));
        }
        LifecycleBatch.Details details = null;
        long completedBytes;
        if (completion.completed() == urls.size()) {
            completedBytes = set.totalBytes();
        } else {
            progress("not every download completed; reading each one");
            details = batch.details(api, token, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
            completedBytes = 0;
            for (int i = 0; i < urls.size(); i++) {
                if (details.completed()[i]) {
                    completedBytes += set.image(i).bytes();
                }
            }
        }
        return new PicflowRun(batch, completion, details, completedBytes, urls.size());
    }

    private static void picflowNotes(PrintStream out, PicflowRun run, String wall) {
        LifecycleBatch batch = run.batch();
        LifecycleBatch.Completion completion = run.completion();
        out.println(format("- picflow: %d of %d POSTs accepted from %d client threads in %.2f s; wall from the %s"
                        + " (polled every 100 ms); %d COMPLETED, %d FAILED%s", batch.accepted(), batch.requested(),
                LifecycleBatch.CLIENT_THREADS,
                batch.isSubmitted() ? seconds(batch.submittedNanos() - batch.startedNanos()) : Double.NaN, wall,
                completion.completed(), completion.failed(), completion.timedOut() ? "; TIMED OUT waiting" : ""));
        if (batch.firstPostError() != null) {
            out.println("- picflow: first POST error: " + batch.firstPostError());
        }
        if (completion.pollErrors() > 0) {
            out.println(format("- picflow: %d count polls failed; last: %s", completion.pollErrors(),
                    abbreviate(completion.lastPollError())));
        }
        LifecycleBatch.Details details = run.details();
        if (details != null) {
            out.println("- picflow statuses afterwards: " + details.statuses()
                    + (details.unreadable() > 0 ? ", " + details.unreadable() + " unreadable" : ""));
            details.errorCodes().forEach((code, count) -> out.println(format("- picflow error %s x%d, e.g.: %s", code, count,
                    abbreviate(details.errorExamples().get(code)))));
        }
    }

    // ---------------------------------------------------------------- external tools

    /** A run of an external tool over the set: files that came out right, wall time, exit code. */
    record ToolRun(int ok, long okBytes, double wallSeconds, int exitCode, String note) {
    }

    /** {@code curl --parallel --parallel-max 16} over the whole set, from a config file of url/output pairs. */
    private static ToolRun curl(LifecycleImageSet set, LifecycleImageServer server, Path directory, int timeoutSeconds)
            throws IOException, InterruptedException {
        Files.createDirectories(directory);
        StringBuilder config = new StringBuilder();
        for (LifecycleImageSet.Image image : set.images()) {
            config.append("url = \"").append(server.setUrl(image.index(), null)).append("\"\n");
            config.append("output = \"").append(directory.resolve(image.index() + ".png")).append("\"\n");
        }
        Path configFile = directory.resolveSibling("curl.config");
        Files.writeString(configFile, config, StandardCharsets.UTF_8);
        // -q: ignore ~/.curlrc; --noproxy: never a proxy for 127.0.0.1; --fail: an HTTP error is an error.
        List<String> command = List.of("curl", "-q", "--parallel", "--parallel-max", Integer.toString(CURL_PARALLEL),
                "-s", "-S", "--fail", "--noproxy", "*", "--max-time", Integer.toString(timeoutSeconds), "-K",
                configFile.toString());
        Exec exec = exec(command, null, directory.resolveSibling("curl.log"), timeoutSeconds + 30L);
        int ok = 0;
        long okBytes = 0;
        for (LifecycleImageSet.Image image : set.images()) {
            Path file = directory.resolve(image.index() + ".png");
            if (Files.isRegularFile(file) && Files.size(file) == image.bytes()) {
                ok++;
                okBytes += image.bytes();
            }
        }
        return new ToolRun(ok, okBytes, exec.wallSeconds(), exec.exitCode(), exec.note());
    }

    /** The first line of {@code /usr/bin/convert -version} if it is ImageMagick, otherwise null. */
    private static String imageMagickVersion() throws InterruptedException {
        if (!Files.isExecutable(Path.of(CONVERT))) {
            return null;
        }
        try {
            Path log = Files.createTempFile("picflow-lifecycle-convert", ".log");
            try {
                Exec exec = exec(List.of(CONVERT, "-version"), null, log, 30);
                String text = Files.readString(log, StandardCharsets.UTF_8);
                if (exec.exitCode() != 0 || !text.contains("ImageMagick")) {
                    return null;
                }
                return text.lines().findFirst().orElse("ImageMagick").trim();
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * {@code ls set/*.png | xargs -P 2 -I{} convert {} -thumbnail 256x256 out/<basename>}: the file list goes
     * to xargs on stdin, and a {@code sh -c} names each output after its input.
     */
    private static ToolRun imageMagick(LifecycleImageSet set, Path directory, int timeoutSeconds)
            throws IOException, InterruptedException {
        Files.createDirectories(directory);
        StringBuilder list = new StringBuilder();
        for (LifecycleImageSet.Image image : set.images()) {
            list.append(image.file()).append('\n');
        }
        String thumbnail = THUMBNAIL_SIZE + "x" + THUMBNAIL_SIZE;
        List<String> command = List.of("xargs", "-d", "\\n", "-P", Integer.toString(CONVERT_PARALLEL), "-I", "{}",
                "sh", "-c", "exec " + CONVERT + " \"$1\" -thumbnail " + thumbnail + " \"$2/${1##*/}\"", "sh", "{}",
                directory.toString());
        Exec exec = exec(command, list.toString(), directory.resolveSibling("convert.log"), timeoutSeconds);
        int ok = 0;
        long okBytes = 0;
        for (LifecycleImageSet.Image image : set.images()) {
            Path file = directory.resolve(image.index() + ".png");
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                ok++;
                okBytes += image.bytes();
            }
        }
        return new ToolRun(ok, okBytes, exec.wallSeconds(), exec.exitCode(), exec.note());
    }

    /** How an external process ended; {@code note} is null when it exited 0 in time. */
    record Exec(int exitCode, double wallSeconds, String note) {
    }

    /** Runs a command (stdin from {@code input}, output to {@code log}), killing it and its children after the limit. */
    private static Exec exec(List<String> command, String input, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        long began = System.nanoTime();
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process exited early; its exit code tells
        }
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        long ended = System.nanoTime();
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        int exitCode = process.isAlive() ? -1 : process.exitValue();
        String note = null;
        if (!finished) {
            note = "killed after " + timeoutSeconds + " s";
        } else if (exitCode != 0) {
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            String[] lines = output.strip().split("\n");
            note = "last output: " + abbreviate(lines[lines.length - 1]);
        }
        return new Exec(exitCode, seconds(ended - began), note);
    }

    // ---------------------------------------------------------------- helpers

    private static String describeCounts(Map<String, Long> counts) {
        List<String> parts = new ArrayList<>();
        counts.forEach((status, count) -> {
            if (count != 0) {
                parts.add(status + " " + (count < 0 ? "?" : count));
            }
        });
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double mib(long kilobytes) {
        return kilobytes / 1024.0;
    }

    static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    Files.deleteIfExists(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("[bench] could not delete " + root + ": " + e);
        }
    }
}
