package io.picflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bench/cluster.sh: the same download and favorites load against one standalone node and against the local cluster
 * behind nginx, the live-progress latency (202 of a request to its first frame on /ws, across nodes in the
 * cluster), and the failover after kill -9 of a command node. Prints a Markdown report with the same run's INSERT
 * ceiling of the cluster's PostgreSQL.
 */
public final class ClusterBench {

    private static final Pattern LOCATION_ID = Pattern.compile("/api/downloads/([0-9a-f-]{36})");
    private static final Pattern DOWNLOAD_ID = Pattern.compile("\"downloadId\":\"([0-9a-f-]{36})\"");

    record Target(String name, URI base, String jdbcUrl, String jdbcUser, String secret) {
    }

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchSupport.options(args);
        int downloads = Integer.parseInt(options.getOrDefault("downloads", "1000"));
        int favorites = Integer.parseInt(options.getOrDefault("favorites", "2000"));
        int users = Integer.parseInt(options.getOrDefault("users", "200"));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "32"));
        int liveSamples = Integer.parseInt(options.getOrDefault("live-samples", "100"));
        Target standalone = new Target("standalone", URI.create(options.get("standalone-url")), options.get("standalone-jdbc"),
                "postgres", options.get("standalone-secret"));
        Target cluster = new Target("cluster (nginx, 2 + 2 nodes)", URI.create(options.get("cluster-url")),
                options.get("cluster-jdbc"), "postgres", options.get("cluster-secret"));
        ImageServer.start();
        HttpClient http = BenchSupport.httpClient();

        List<String> rows = new ArrayList<>();
        for (Target target : List.of(standalone, cluster)) {
            BenchSupport.progress("%s: %d downloads at concurrency %d", target.name(), downloads, concurrency);
            rows.add(downloadLoad(http, target, downloads, concurrency));
            BenchSupport.progress("%s: %d users, %d favorites at concurrency %d", target.name(), users, favorites, concurrency);
            rows.add(favoriteLoad(http, target, users, favorites, concurrency));
            BenchSupport.progress("%s: live progress, %d samples", target.name(), liveSamples);
            rows.add(liveLatency(http, target, liveSamples));
        }
        BenchSupport.progress("cluster: failover after kill -9 of a command node");
        String failover = failover(http, cluster, java.nio.file.Path.of(options.get("cluster-dir")),
                Integer.parseInt(options.getOrDefault("in-flight", "100")));
        double ceiling = insertCeiling(cluster, 8, 5);

        System.out.println("# picflow: one node against the local cluster\n");
        System.out.println("| target | load | requests | accepted/s | p50 ms | p99 ms | failures | also |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println(failover);
        System.out.println();
        System.out.println(BenchSupport.format("Baseline: the cluster's PostgreSQL takes %.0f single-row autocommit INSERTs/s "
                + "(8 connections, 5 s). Each row's accepted/s is also given as a share of it.", ceiling));
        for (String row : rows) {
            Matcher rate = Pattern.compile("^\\| [^|]+ \\| [^|]+ \\| \\d+ \\| ([0-9.]+) \\|").matcher(row);
            if (rate.find() && ceiling > 0) {
                System.out.println(BenchSupport.format("- %s: %.2f %% of the ceiling", row.split("\\|")[1].trim() + ", "
                        + row.split("\\|")[2].trim(), 100 * Double.parseDouble(rate.group(1)) / ceiling));
            }
        }
        System.exit(0);
    }

    /** POST /api/downloads at {@code concurrency}, spread over users within their limits; then waits for completion. */
    private static String downloadLoad(HttpClient http, Target target, int downloads, int concurrency) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> tokens = new ArrayList<>();
        for (int u = 0; u < Math.max(1, downloads / 50); u++) {
            tokens.add(FavoritesBench.token("dl-" + run + "-" + u, target.secret()));
        }
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        long began = System.nanoTime();
        FavoritesBench.Phase phase = FavoritesBench.phase(concurrency, downloads, i -> {
            HttpResponse<String> answer = send(http, target.base(), "POST", "/api/downloads", tokens.get(i % tokens.size()),
                    "{\"url\":\"" + ImageServer.url("/bench/" + run + "/" + i + ".png") + "\"}");
            Matcher id = DOWNLOAD_ID.matcher(answer.body());
            if (answer.statusCode() == 202 && id.find()) {
                ids.add(id.group(1));
            }
            return answer.statusCode();
        });
        double completedSeconds = awaitCompleted(target, ids, Duration.ofMinutes(10), began);
        return row(target, "POST /api/downloads", phase, concurrency,
                BenchSupport.format("%d completed in %.1f s: %.0f/s", ids.size(), completedSeconds, ids.size() / completedSeconds));
    }

    private static String favoriteLoad(HttpClient http, Target target, int users, int favorites, int concurrency) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> ids = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            ids.add("fav-" + run + "-" + u);
            tokens.add(FavoritesBench.token(ids.get(u), target.secret()));
        }
        FavoritesBench.phase(concurrency, users, i -> FavoritesBench.post(http, target.base(), "/api/users", tokens.get(i),
                "{\"displayName\":\"User " + i + "\"}"));
        Random random = new Random(17);
        int[][] pairs = new int[favorites][2];
        for (int i = 0; i < favorites; i++) {
            int a = random.nextInt(users);
            pairs[i] = new int[] {a, (a + 1 + random.nextInt(users - 1)) % users};
        }
        FavoritesBench.Phase phase = FavoritesBench.phase(concurrency, favorites, i -> FavoritesBench.post(http, target.base(),
                "/api/users/me/favorites", tokens.get(pairs[i][0]), "{\"userId\":\"" + ids.get(pairs[i][1]) + "\"}"));
        return row(target, "POST /api/users/me/favorites", phase, concurrency, "");
    }

    /** The time from a request's 202 to its download's first frame on a WebSocket client of the same user. */
    private static String liveLatency(HttpClient http, Target target, int samples) throws Exception {
        String user = "live-" + Long.toString(System.currentTimeMillis(), 36);
        String token = FavoritesBench.token(user, target.secret());
        Map<String, Long> firstFrameAt = new ConcurrentHashMap<>();
        URI ws = URI.create(target.base().toString().replace("http://", "ws://") + "/ws?scope=mine");
        WebSocket socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + token).buildAsync(ws, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    Matcher id = DOWNLOAD_ID.matcher(partial);
                    if (id.find()) {
                        firstFrameAt.putIfAbsent(id.group(1), System.nanoTime());
                    }
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        List<Long> micros = new ArrayList<>();
        try {
            for (int i = 0; i < samples; i++) {
                HttpResponse<String> answer = send(http, target.base(), "POST", "/api/downloads", token,
                        "{\"url\":\"" + ImageServer.url("/live/" + user + "/" + i + ".png") + "\"}");
                long acceptedAt = System.nanoTime();
                Matcher id = LOCATION_ID.matcher(answer.headers().firstValue("Location").orElse(""));
                if (answer.statusCode() != 202 || !id.find()) {
                    continue;
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!firstFrameAt.containsKey(id.group(1)) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                Long at = firstFrameAt.get(id.group(1));
                if (at != null) {
                    micros.add(Math.max(0, (at - acceptedAt) / 1000));
                }
            }
        } finally {
            socket.abort();
        }
        Collections.sort(micros);
        return BenchSupport.format("| %s | 202 to first /ws frame | %d | | %.1f | %.1f | %d | |", target.name(), samples,
                FavoritesBench.percentile(micros, 50) / 1000.0, FavoritesBench.percentile(micros, 99) / 1000.0, samples - micros.size());
    }

    /**
     * Holds the image server, starts {@code inFlight} downloads, kills a command node, and measures: the first 202
     * after the kill, the time until the dead node's processor segments have another owner, and the time until
     * every download that was in flight has completed (the images are released at the kill).
     */
    private static String failover(HttpClient http, Target cluster, java.nio.file.Path clusterDir, int inFlight) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> tokens = List.of(FavoritesBench.token("fo-" + run + "-a", cluster.secret()),
                FavoritesBench.token("fo-" + run + "-b", cluster.secret()));
        ImageServer.hold();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
            HttpResponse<String> answer = send(http, cluster.base(), "POST", "/api/downloads", tokens.get(i % 2),
                    "{\"url\":\"" + ImageServer.url("/failover/" + run + "/" + i + ".png") + "\"}");
            Matcher id = DOWNLOAD_ID.matcher(answer.body());
            if (id.find()) {
                ids.add(id.group(1));
            }
        }
        Thread.sleep(3_000); // the fetches start and wait on the held image server
        List<String> ownersBefore = owners(cluster);
        // The victim: the command node that owns most of the process manager's segments (its fetches run there).
        String victim = "command-1";
        long most = -1;
        for (String node : List.of("command-1", "command-2")) {
            String pid = java.nio.file.Files.readString(clusterDir.resolve("pids").resolve(node + ".pid")).strip();
            long owned = ownersBefore.stream().filter(owner -> owner.startsWith(pid + "@")).count();
            if (owned > most) {
                most = owned;
                victim = node;
            }
        }
        BenchSupport.progress("killing %s, which owns %d of the process manager's segments", victim, most);
        long killedAt = System.nanoTime();
        Process kill = new ProcessBuilder("scripts/cluster", "kill", victim).inheritIO().start();
        kill.waitFor(60, TimeUnit.SECONDS);
        ImageServer.release();
        long first202 = -1;
        for (int i = 0; first202 < 0 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60); i++) {
            if (send(http, cluster.base(), "POST", "/api/downloads", tokens.get(0),
                    "{\"url\":\"" + ImageServer.url("/after-kill/" + run + "/" + i + ".png") + "\"}").statusCode() == 202) {
                first202 = System.nanoTime();
            }
        }
        long segmentsMoved = -1;
        long deadline = killedAt + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<String> now = owners(cluster);
            String survivorPid = java.nio.file.Files.readString(clusterDir.resolve("pids").resolve(
                    victim.equals("command-1") ? "command-2.pid" : "command-1.pid")).strip();
            if (now.size() >= ownersBefore.size() && now.stream().allMatch(owner -> owner.startsWith(survivorPid + "@"))) {
                segmentsMoved = System.nanoTime(); // every segment is the survivor's
                break;
            }
            Thread.sleep(250);
        }
        double completed = awaitCompleted(cluster, ids, Duration.ofMinutes(5), killedAt);
        return BenchSupport.format("Failover after kill -9 of " + victim + " (%d downloads in flight, fetches held at the origin "
                        + "until the kill): first 202 through nginx after %.2f s; the dead node's process-manager segments owned by "
                        + "the other node after %s; every download in flight COMPLETED after %.1f s. (Claim timeout and "
                        + "heartbeat-stale-after as configured for the cluster run.)",
                ids.size(), first202 < 0 ? -1 : (first202 - killedAt) / 1e9,
                segmentsMoved < 0 ? "n/a" : BenchSupport.format("%.1f s", (segmentsMoved - killedAt) / 1e9), completed);
    }

    private static List<String> owners(Target target) throws Exception {
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.jdbcUser(), "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT owner FROM command_token_entry WHERE processor_name = "
                     + "'ImageDownloadProcessProcessor' AND owner IS NOT NULL")) {
            List<String> owners = new ArrayList<>();
            while (rows.next()) {
                owners.add(rows.getString(1));
            }
            return owners;
        }
    }

    /** Seconds from {@code sinceNanos} until the read model shows every download COMPLETED (or the timeout). */
    private static double awaitCompleted(Target target, List<String> ids, Duration timeout, long sinceNanos) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.jdbcUser(), "");
             PreparedStatement count = connection.prepareStatement(
                     "SELECT count(*) FROM download WHERE status = 'COMPLETED' AND download_id = ANY(?)")) {
            count.setArray(1, connection.createArrayOf("varchar", ids.toArray()));
            while (System.nanoTime() < deadline) {
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    if (rows.getLong(1) >= ids.size()) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
        }
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** Single-row autocommit INSERTs on {@code threads} connections for {@code seconds}: the database's own rate. */
    private static double insertCeiling(Target target, int threads, int seconds) throws Exception {
        try (Connection admin = DriverManager.getConnection(target.jdbcUrl(), target.jdbcUser(), "");
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS bench_insert_ceiling (id BIGSERIAL PRIMARY KEY, payload TEXT)");
        }
        AtomicLong inserts = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.jdbcUser(), "");
                     PreparedStatement insert = connection.prepareStatement("INSERT INTO bench_insert_ceiling (payload) VALUES ('x')")) {
                    while (System.nanoTime() < end) {
                        insert.executeUpdate();
                        inserts.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        try (Connection admin = DriverManager.getConnection(target.jdbcUrl(), target.jdbcUser(), "");
             Statement statement = admin.createStatement()) {
            statement.execute("DROP TABLE bench_insert_ceiling");
        }
        return inserts.get() / (double) seconds;
    }

    private static String row(Target target, String load, FavoritesBench.Phase phase, int concurrency, String also) {
        List<Long> sorted = new ArrayList<>(phase.micros());
        Collections.sort(sorted);
        return BenchSupport.format("| %s | %s (concurrency %d) | %d | %.0f | %.1f | %.1f | %d | %s |", target.name(), load, concurrency,
                phase.requests(), phase.requests() / phase.seconds(), FavoritesBench.percentile(sorted, 50) / 1000.0,
                FavoritesBench.percentile(sorted, 99) / 1000.0, phase.failures(), also);
    }

    private static HttpResponse<String> send(HttpClient http, URI base, String method, String path, String token, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
