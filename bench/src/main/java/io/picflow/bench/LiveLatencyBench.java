package io.picflow.bench;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Append-to-frame latency of the WebSocket feed: real downloads (trickled so that they report progress)
 * posted to one process, frames received from {@code /ws?scope=mine} of the same or another process.
 * A frame's latency is its arrival time minus its event's timestamp (one machine, one clock).
 */
public final class LiveLatencyBench {

    private static final String USAGE = """
            usage: LiveLatencyBench --api-url URL --ws-url URL [--label TEXT] [--downloads N] [--concurrency N]
              --api-url      where POST /api/downloads and POST /api/dev/tokens go (http://127.0.0.1:8080)
              --ws-url       the query side whose /ws to subscribe to (ws://127.0.0.1:8080)
              --label        names the row in the table (default: run)
              --downloads    downloads per row (default 40)
              --concurrency  downloads in flight at once, one row per value (default 1,4,8)
              --warmup       downloads run first and not measured, so that the JIT has compiled the path (default 12)
            """;
    private static final Pattern FIELD = Pattern.compile("\"(type|timestamp|downloadId)\":\"([^\"]*)\"");
    private static final int IMAGE_BYTES_PER_SECOND = 400 * 1024;

    private LiveLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchSupport.parseOrExit(args, BenchSupport::options, USAGE);
        URI api = URI.create(require(options, "api-url"));
        URI ws = URI.create(require(options, "ws-url"));
        String label = options.getOrDefault("label", "run");
        int downloads = Integer.parseInt(options.getOrDefault("downloads", "40"));
        String[] concurrencies = options.getOrDefault("concurrency", "1,4,8").split(",");
        byte[] image = noisePng(560, 560);

        HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        ExecutorService serverThreads = Executors.newFixedThreadPool(32);
        images.setExecutor(serverThreads);
        images.createContext("/img/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, image.length);
            try (OutputStream body = exchange.getResponseBody()) {
                trickle(body, image);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        images.start();
        System.out.println("| run | in flight | downloads | frames | progress frames | p50 ms | p90 ms | p99 ms | max ms | wall s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "12"));
        try {
            if (warmup > 0) {
                run(api, ws, images, null, warmup, 4);
            }
            for (String concurrency : concurrencies) {
                run(api, ws, images, label, downloads, Integer.parseInt(concurrency.trim()));
            }
        } finally {
            images.stop(0);
            serverThreads.shutdownNow();
        }
    }

    private static void run(URI api, URI ws, HttpServer images, String label, int downloads, int concurrency)
            throws Exception {
        HttpClient http = BenchSupport.httpClient();
        String user = "live-bench-" + System.nanoTime();
        String token = BenchSupport.devToken(http, api, Duration.ofSeconds(30), user);
        Frames frames = new Frames(downloads);
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(ws.resolve("/ws?scope=mine&access_token=" + token), frames).join();
        frames.caughtUp.await(30, TimeUnit.SECONDS);

        long started = System.nanoTime();
        Semaphore inFlight = new Semaphore(concurrency);
        for (int i = 0; i < downloads; i++) {
            inFlight.acquire();
            frames.onCompleted(inFlight::release);
            String url = "http://127.0.0.1:" + images.getAddress().getPort() + "/img/" + i + ".png";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve("/api/downloads"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("POST /api/downloads answered " + response.statusCode() + ": " + response.body());
            }
        }
        if (!frames.allCompleted.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Not every download completed: " + frames.completed.get() + " of " + downloads);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
        List<Long> all = frames.sorted();
        if (label == null) {
            return; // warm-up
        }
        System.out.printf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.1f |%n", label, concurrency, downloads, all.size(),
                frames.progressFrames.get(), percentile(all, 50), percentile(all, 90), percentile(all, 99),
                all.get(all.size() - 1), seconds);
    }

    private static void trickle(OutputStream body, byte[] image) throws IOException, InterruptedException {
        int chunk = 16 * 1024;
        long start = System.nanoTime();
        for (int offset = 0; offset < image.length; offset += chunk) {
            body.write(image, offset, Math.min(chunk, image.length - offset));
            body.flush();
            long due = start + (long) ((offset + chunk) * 1e9 / IMAGE_BYTES_PER_SECOND);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // pacing the server, like a remote host's bandwidth
            }
        }
    }

    private static byte[] noisePng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(20261123);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static long percentile(List<Long> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            System.err.print(USAGE);
            System.exit(2);
        }
        return value;
    }

    /** Collects latencies of download frames and counts completions. */
    private static final class Frames implements WebSocket.Listener {
        final CountDownLatch caughtUp = new CountDownLatch(1);
        final CountDownLatch allCompleted;
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger progressFrames = new AtomicInteger();
        private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        private final List<Runnable> completionListeners = Collections.synchronizedList(new ArrayList<>());
        private final StringBuilder partial = new StringBuilder();

        Frames(int downloads) {
            this.allCompleted = new CountDownLatch(downloads);
        }

        void onCompleted(Runnable listener) {
            completionListeners.add(listener);
        }

        List<Long> sorted() {
            List<Long> copy = new ArrayList<>(latencies);
            Collections.sort(copy);
            return copy;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.currentTimeMillis();
                String text = partial.toString();
                partial.setLength(0);
                String type = null;
                String timestamp = null;
                Matcher matcher = FIELD.matcher(text);
                while (matcher.find()) {
                    if (matcher.group(1).equals("type")) {
                        type = matcher.group(2);
                    } else if (matcher.group(1).equals("timestamp")) {
                        timestamp = matcher.group(2);
                    }
                }
                if ("CaughtUp".equals(type)) {
                    caughtUp.countDown();
                } else if (timestamp != null) {
                    latencies.add(now - Instant.parse(timestamp).toEpochMilli());
                    if ("ImageFetchProgressed".equals(type)) {
                        progressFrames.incrementAndGet();
                    }
                    if ("ImageDownloadCompleted".equals(type) || "ImageDownloadFailed".equals(type)) {
                        completed.incrementAndGet();
                        allCompleted.countDown();
                        Runnable listener;
                        synchronized (completionListeners) {
                            listener = completionListeners.isEmpty() ? null : completionListeners.remove(0);
                        }
                        if (listener != null) {
                            listener.run();
                        }
                    }
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (statusCode != WebSocket.NORMAL_CLOSURE) {
                System.err.println("socket closed: " + statusCode + " " + reason);
            }
            return CompletableFuture.completedFuture(null);
        }
    }
}
