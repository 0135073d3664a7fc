package io.picflow.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lifecycle benchmark's origin server, a JDK {@link HttpServer} on 127.0.0.1 (random port, 32 handler
 * threads):
 *
 * <ul>
 *   <li>{@code GET /set/<i>.png} (any query string) serves image i of the set with {@code Content-Length}
 *       ({@code /warmup/<i>.png} likewise from the warm-up set, once there is one).
 *       With a rate limit, each response's body goes out in 16 KB chunks, paced with {@code System.nanoTime}
 *       so that at no time more than {@code rate * elapsed} bytes have been written. The server handles one
 *       exchange per connection at a time, so this is the per-connection rate.</li>
 *   <li>{@code GET /trickle/<i>.png} sends the headers ({@code Content-Length} {@value #TRICKLE_LENGTH}) and
 *       then one byte per second, until {@link #stopTrickling()} or {@value #TRICKLE_MAX_SECONDS} s.</li>
 * </ul>
 */
final class LifecycleImageServer implements AutoCloseable {

    static final int THREADS = 32;
    static final int CHUNK = 16 * 1024;
    static final long TRICKLE_LENGTH = 1_000_000;
    static final int TRICKLE_MAX_SECONDS = 3600;

    /** What a trickle sends first: a PNG signature, so that the first bytes look like an image. */
    private static final byte[] TRICKLE_PREFIX = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static {
        // The JDK server closes keep-alive connections idle for 30 s by default. The service pools them for
        // a minute and does not retry a request that fails on a stale one, so a pause between scenarios
        // would turn into spurious transient failures (and retry delays) in the next one. Keep them longer.
        if (System.getProperty("sun.net.httpserver.idleInterval") == null) {
            System.setProperty("sun.net.httpserver.idleInterval", "600");
        }
        // Paced 16 KB writes (and 1-byte trickles) go out when written, not held back by Nagle's algorithm
        // waiting for a delayed ACK, which would lower the effective rate below the configured one.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final LifecycleImageSet set;
    private volatile LifecycleImageSet warmupSet;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String base;
    private volatile long rateBytesPerSecond;
    private volatile boolean trickleStopped;

    private final AtomicLong setResponses = new AtomicLong();
    private final AtomicLong setBytes = new AtomicLong();
    private final AtomicLong setErrors = new AtomicLong();
    private final AtomicInteger setInFlight = new AtomicInteger();
    private final AtomicInteger setPeakInFlight = new AtomicInteger();
    /** When the first {@code /set/} request arrived and the last response ended, and the sum of their durations. */
    private final AtomicLong setFirstStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong setLastEnd = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong setBusyNanos = new AtomicLong();
    /** Each {@code /set/} response's start and end ({@code System.nanoTime}), since the last reset. */
    private final java.util.concurrent.ConcurrentLinkedQueue<long[]> setResponseSpans = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicLong trickleRequests = new AtomicLong();
    private final AtomicInteger trickleOpen = new AtomicInteger();
    private final AtomicInteger tricklePeakOpen = new AtomicInteger();

    private LifecycleImageServer(LifecycleImageSet set) throws IOException {
        this.set = set;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 256);
        AtomicInteger counter = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "lifecycle-image-server-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.createContext("/set/", exchange -> serveImage(exchange, this.set, "/set/"));
        server.createContext("/warmup/", exchange -> serveImage(exchange, warmupSet, "/warmup/"));
        server.createContext("/trickle/", this::trickle);
        server.setExecutor(executor);
        server.start();
        this.base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts serving {@code set} (may be null: then only the trickle path works). */
    static LifecycleImageServer start(LifecycleImageSet set) throws IOException {
        return new LifecycleImageServer(set);
    }

    String base() {
        return base;
    }

    String setUrl(int index, String query) {
        return base + "/set/" + index + ".png" + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    /** Serves {@code warmup} at {@code /warmup/<i>.png}, under the same rate limit and statistics as the set. */
    void serveWarmup(LifecycleImageSet warmup) {
        this.warmupSet = warmup;
    }

    String warmupUrl(int index) {
        return base + "/warmup/" + index + ".png";
    }

    String trickleUrl(int index) {
        return base + "/trickle/" + index + ".png";
    }

    /** Bytes per second for each {@code /set/} response from now on; 0 for no limit. */
    void rateBytesPerSecond(long rate) {
        this.rateBytesPerSecond = Math.max(0, rate);
    }

    void stopTrickling() {
        trickleStopped = true;
    }

    /**
     * Counters of the {@code /set/} path since the last reset, with when the first request arrived and the
     * last response ended ({@code System.nanoTime}) and the sum of the response durations: together they
     * tell how many connections were busy on average, i.e. how well a client keeps its slots filled.
     */
    record SetStats(long responses, long bytes, long errors, int peakInFlight, long firstStartNanos, long lastEndNanos,
            long busyNanos, java.util.List<long[]> spans) {

        /** Mean connections busy in each {@code bucketNanos} from {@code originNanos}, up to the last response's end. */
        double[] meanInFlightPer(long originNanos, long bucketNanos) {
            int buckets = lastEndNanos > originNanos ? (int) ((lastEndNanos - originNanos + bucketNanos - 1) / bucketNanos) : 0;
            double[] busy = new double[buckets];
            for (long[] span : spans) {
                for (int b = 0; b < buckets; b++) {
                    long from = originNanos + b * bucketNanos;
                    long overlap = Math.min(span[1], from + bucketNanos) - Math.max(span[0], from);
                    if (overlap > 0) {
                        busy[b] += overlap / (double) bucketNanos;
                    }
                }
            }
            return busy;
        }

        /** Mean connections open between the first request and the last response's end. */
        double meanInFlight() {
            return lastEndNanos > firstStartNanos ? busyNanos / (double) (lastEndNanos - firstStartNanos) : 0;
        }
    }

    SetStats resetSetStats() {
        return new SetStats(setResponses.getAndSet(0), setBytes.getAndSet(0), setErrors.getAndSet(0),
                setPeakInFlight.getAndSet(setInFlight.get()), setFirstStart.getAndSet(Long.MAX_VALUE),
                setLastEnd.getAndSet(Long.MIN_VALUE), setBusyNanos.getAndSet(0), drainSpans());
    }

    private java.util.List<long[]> drainSpans() {
        java.util.List<long[]> spans = new java.util.ArrayList<>();
        for (long[] span; (span = setResponseSpans.poll()) != null; ) {
            spans.add(span);
        }
        return spans;
    }

    /** Trickle requests received, connections open now and the most open at once. */
    record TrickleStats(long requests, int open, int peakOpen) {
    }

    TrickleStats trickleStats() {
        return new TrickleStats(trickleRequests.get(), trickleOpen.get(), tricklePeakOpen.get());
    }

    private void serveImage(HttpExchange exchange, LifecycleImageSet set, String prefix) throws IOException {
        long arrived = System.nanoTime();
        setFirstStart.accumulateAndGet(arrived, Math::min);
        int inFlight = setInFlight.incrementAndGet();
        setPeakInFlight.accumulateAndGet(inFlight, Math::max);
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            LifecycleImageSet.Image image = set == null ? null : set.image(indexOf(exchange, prefix));
            if (image == null || !"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            long rate = rateBytesPerSecond;
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, image.bytes());
            long began = System.nanoTime();
            long sent = 0;
            byte[] chunk = new byte[CHUNK];
            try (InputStream in = Files.newInputStream(image.file()); OutputStream out = exchange.getResponseBody()) {
                for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                    if (rate > 0) {
                        // Not before the whole of this chunk is due: rate * elapsed bytes at most, no burst.
                        sleepUntil(began + (long) ((sent + n) * 1e9 / rate));
                    }
                    out.write(chunk, 0, n);
                    out.flush();
                    sent += n;
                    setBytes.addAndGet(n);
                }
            }
            setResponses.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            setErrors.incrementAndGet(); // the client went away, or the file could not be read
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            setInFlight.decrementAndGet();
            long ended = System.nanoTime();
            setBusyNanos.addAndGet(ended - arrived);
            setResponseSpans.add(new long[] {arrived, ended});
            setLastEnd.accumulateAndGet(ended, Math::max);
        }
    }

    private void trickle(HttpExchange exchange) throws IOException {
        trickleRequests.incrementAndGet();
        int open = trickleOpen.incrementAndGet();
        tricklePeakOpen.accumulateAndGet(open, Math::max);
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (trickleStopped || indexOf(exchange, "/trickle/") < 0) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, TRICKLE_LENGTH);
            OutputStream out = exchange.getResponseBody();
            long began = System.nanoTime();
            for (int i = 0; i < TRICKLE_MAX_SECONDS && i < TRICKLE_LENGTH && !trickleStopped; i++) {
                sleepUntil(began + TimeUnit.SECONDS.toNanos(i));
                out.write(i < TRICKLE_PREFIX.length ? TRICKLE_PREFIX[i] : 0);
                out.flush();
            }
            // Leaves the body short on purpose: closing the exchange drops the connection.
        } catch (IOException | RuntimeException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            trickleOpen.decrementAndGet();
        }
    }

    /** The {@code <i>} of {@code <prefix><i>.png}, or -1. */
    private static int indexOf(HttpExchange exchange, String prefix) {
        String path = exchange.getRequestURI().getPath();
        if (path == null || !path.startsWith(prefix) || !path.endsWith(".png")) {
            return -1;
        }
        String digits = path.substring(prefix.length(), path.length() - 4);
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    private static void sleepUntil(long dueNanos) throws InterruptedException {
        long left = dueNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    @Override
    public void close() {
        trickleStopped = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
