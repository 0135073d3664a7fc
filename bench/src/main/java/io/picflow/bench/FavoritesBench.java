package io.picflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The social graph under load: registers {@code --users} users, sends {@code --favorites} favorite
 * commands between random pairs at {@code --concurrency}, then measures, pair by pair, the time from
 * the 202 of the favorite that completes a mutual to the mutual showing on the query side.
 */
public final class FavoritesBench {

    private static final String USAGE = """
            usage: FavoritesBench --base-url http://127.0.0.1:PORT --jwt-secret-file FILE
                                  [--users 10000] [--favorites 20000] [--concurrency 32] [--mutual-samples 200]
            """ + WorkMeter.Options.USAGE;

    private FavoritesBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchSupport.parseOrExit(args, BenchSupport::options, USAGE);
        URI base = BenchSupport.baseUrl(options);
        String secret = Files.readString(Path.of(options.remove("jwt-secret-file"))).trim();
        int users = value(options, "users", 10_000);
        int favorites = value(options, "favorites", 20_000);
        int concurrency = value(options, "concurrency", 32);
        int samples = value(options, "mutual-samples", 200);
        WorkMeter.Options meterOptions = WorkMeter.Options.parse(options);
        BenchSupport.rejectUnknown(options);
        try (WorkMeter meter = WorkMeter.open(meterOptions)) {
            run(base, secret, users, favorites, concurrency, samples, meter);
        }
        // The phases' pools are shut down; exit explicitly in case an HTTP client thread lingers.
        System.exit(0);
    }

    private static void run(URI base, String secret, int users, int favorites, int concurrency, int samples,
            WorkMeter meter) throws Exception {

        HttpClient http = BenchSupport.httpClient();
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> ids = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            ids.add("fav-" + run + "-" + i);
            tokens.add(token(ids.get(i), secret));
        }

        // Idle first: this benchmark has no warm-up, so the service is fresh, but nothing has loaded it yet.
        WorkMeter.Work idle = null;
        if (meter.options().idleSeconds() > 0) {
            BenchSupport.progress("idle: waiting for quiet, then %d s without requests", meter.options().idleSeconds());
            idle = meter.idle(meter.options().idleSeconds());
        }
        List<WorkMeter.Work> work = new ArrayList<>();

        WorkMeter.Phase metered = meter.begin("POST /api/users");
        Phase registration = phase(concurrency, users, i -> post(http, base, "/api/users", tokens.get(i),
                "{\"displayName\":\"User " + i + "\"}"));
        work.add(metered.end("accepted request", registration.requests() - registration.failures(), registration.seconds()));
        Random random = new Random(20261123);
        int[][] pairs = new int[favorites][2];
        for (int i = 0; i < favorites; i++) {
            int a = random.nextInt(users);
            int b = (a + 1 + random.nextInt(users - 1)) % users;
            pairs[i] = new int[] {a, b};
        }
        metered = meter.begin("POST /api/users/me/favorites");
        Phase favoriting = phase(concurrency, favorites, i -> post(http, base, "/api/users/me/favorites",
                tokens.get(pairs[i][0]), "{\"userId\":\"" + ids.get(pairs[i][1]) + "\",\"source\":\"bench\"}"));
        // The first mutual sample below measures the projections working off this phase's backlog, so it runs
        // before the wait for quiet: this phase's row "until quiet" includes that one sample (noted in the report).
        metered.last();

        // Mutual latency: fresh pairs of fresh users, one at a time on an otherwise idle service. The first
        // sample also waits for the projections to work off the load phases' backlog: it is reported apart.
        List<Long> mutualMillis = new ArrayList<>();
        long backlogMillis = -1;
        long backlogPolls = 0;
        for (int s = 0; s <= samples; s++) {
            String a = "mut-" + run + "-" + s + "-a";
            String b = "mut-" + run + "-" + s + "-b";
            String tokenA = token(a, secret);
            String tokenB = token(b, secret);
            expect(post(http, base, "/api/users", tokenA, "{\"displayName\":\"A\"}"));
            expect(post(http, base, "/api/users", tokenB, "{\"displayName\":\"B\"}"));
            expect(post(http, base, "/api/users/me/favorites", tokenA, "{\"userId\":\"" + b + "\"}"));
            expect(post(http, base, "/api/users/me/favorites", tokenB, "{\"userId\":\"" + a + "\"}"));
            long completed = System.nanoTime();
            while (!get(http, base, "/api/users/me/mutuals", tokenA).contains("\"" + b + "\"")) {
                backlogPolls += s == 0 ? 1 : 0;
                if (System.nanoTime() - completed > Duration.ofSeconds(30).toNanos()) {
                    throw new IllegalStateException("No mutual within 30 s for " + a + " and " + b);
                }
                Thread.onSpinWait();
            }
            long millis = (System.nanoTime() - completed) / 1_000_000;
            if (s == 0) {
                backlogMillis = millis;
                metered.note(BenchSupport.format("until quiet includes the first mutual sample (2 POST /api/users,"
                        + " 2 POST /api/users/me/favorites, %d GET /api/users/me/mutuals)", backlogPolls + 1));
                work.add(metered.end("accepted request", favoriting.requests() - favoriting.failures(), favoriting.seconds()));
            } else {
                mutualMillis.add(millis);
            }
        }
        Collections.sort(mutualMillis);

        System.out.println("# Favorites benchmark (" + Instant.now() + ")");
        System.out.println();
        System.out.println("| phase | requests | concurrency | req/s | p50 ms | p99 ms | non-202 |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        registration.print("POST /api/users", concurrency);
        favoriting.print("POST /api/users/me/favorites", concurrency);
        System.out.println();
        System.out.println("| completing favorite (202) to mutual on the query side | samples | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---:|---:|---:|---:|");
        System.out.println(BenchSupport.format("| GET /api/users/me/mutuals polled | %d | %d | %d | %d |", mutualMillis.size(),
                percentile(mutualMillis, 50), percentile(mutualMillis, 99), mutualMillis.get(mutualMillis.size() - 1)));
        System.out.println();
        System.out.println(BenchSupport.format("The first mutual after the load phases took %d ms: the query side's projections "
                + "were still working off the %d or more events those phases appended.", backlogMillis, users + favorites));
        System.out.println();

        InsertCeiling.Result[] inserts = InsertCeiling.measureBoth(meter);
        meter.report(System.out, idle, meter.rows(work), inserts[0], inserts[1]);
    }

    /** A request's status code, from a worker. */
    interface Request {
        int send(int index) throws Exception;
    }

    record Phase(int requests, double seconds, List<Long> micros, int failures) {
        void print(String name, int concurrency) {
            List<Long> sorted = new ArrayList<>(micros);
            Collections.sort(sorted);
            System.out.println(BenchSupport.format("| %s | %d | %d | %.0f | %.1f | %.1f | %d |", name, requests, concurrency,
                    requests / seconds, percentile(sorted, 50) / 1000.0, percentile(sorted, 99) / 1000.0, failures));
        }
    }

    static Phase phase(int concurrency, int requests, Request request) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        List<Long> micros = Collections.synchronizedList(new ArrayList<>(requests));
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            running.add(workers.submit(() -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    long sent = System.nanoTime();
                    int status = request.send(i);
                    micros.add((System.nanoTime() - sent) / 1000);
                    if (status != 202) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : running) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        workers.shutdown();
        BenchSupport.progress("%d requests in %.1f s", requests, seconds);
        return new Phase(requests, seconds, micros, failures.get());
    }

    static int post(HttpClient http, URI base, String path, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String get(HttpClient http, URI base, String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void expect(int status) {
        if (status != 202) {
            throw new IllegalStateException("Expected 202, got " + status);
        }
    }

    /**
     * An HS256 token signed with the service's own secret, as an identity provider would issue it: the default
     * issuer (bench/lib.sh starts the service without PICFLOW_JWT_ISSUER), two hours from now.
     */
    static String token(String subject, String secret) throws Exception {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        long now = Instant.now().getEpochSecond();
        String claims = base64.encodeToString(("{\"iss\":\"picflow\",\"sub\":\"" + subject + "\",\"roles\":[\"user\"],\"iat\":"
                + now + ",\"exp\":" + (now + 7200) + "}").getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = base64.encodeToString(mac.doFinal((header + "." + claims).getBytes(StandardCharsets.UTF_8)));
        return header + "." + claims + "." + signature;
    }

    static long percentile(List<Long> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static int value(Map<String, String> options, String name, int otherwise) {
        Integer value = BenchSupport.number(options, name, Integer::parseInt);
        return value == null ? otherwise : value;
    }
}
