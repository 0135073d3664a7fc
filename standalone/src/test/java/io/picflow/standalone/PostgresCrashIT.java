package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.EmbeddedPostgresServer;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durability classes of ADR 0014 hold when PostgreSQL crashes under load. The test runs its own PostgreSQL with
 * production durability (fsync, full_page_writes and synchronous_commit on) and the standalone jar as a process
 * against it, puts it under load (download requests of real local images, favorites) with a WebSocket client
 * recording the live feed, and SIGKILLs every process of the PostgreSQL server at once in the middle of it, three
 * times. Each time PostgreSQL restarts on the same data directory and port (crash recovery from the WAL), and the
 * service, which keeps running, recovers by itself. Then:
 * <ul>
 *   <li>every request answered {@code 202} (or a WebSocket ticket answered {@code 201}) is in the store: the events
 *       of every accepted download request, registration and favorite, with the correlation id the answer named;
 *       every accepted download's idempotency key still replays it; a ticket issued before the crash opens a
 *       connection after it;</li>
 *   <li>no live-feed position already sent to a WebSocket client is reissued: a client resuming with {@code after=}
 *       the highest position it saw gets only higher ones, and every position any client was sent comes back, with
 *       the same frame, in a replay of the whole feed;</li>
 *   <li>every read model equals a rebuild: once the downloads have settled, each PostgreSQL read model's tables,
 *       the search index and the REST views (the cache) are the same before and after rebuilding every read model
 *       from the events, and no event is parked.</li>
 * </ul>
 *
 * <p>This simulates a crash of PostgreSQL, not a power loss: the kernel's page cache survives a SIGKILL, so what
 * PostgreSQL had written to the WAL but not yet flushed is still there after the restart. Only the commits whose WAL
 * was still in its shared memory are lost: the last milliseconds of asynchronous commits (the read models'), which
 * is why the test crashes it three times. A power loss (or a kernel crash) would also lose the page cache, and with
 * it everything not yet fsynced; that is not simulated here.
 */
class PostgresCrashIT {

    private static final JsonMapper json = JsonMapper.builder().build();

    /** Every download event type: an admin's {@code types=} subscription to all of them sees every frame of the feed. */
    private static final String FEED_TYPES = String.join(",", List.of("ImageDownloadRequested", "ImageFetchStarted",
            "ImageFetchProgressed", "ImageFetched", "ImageValidated", "ImageProcessed", "ImageStored", "ImageDownloadCompleted",
            "ImageDownloadFailed", "ImageDownloadRetryScheduled", "ImageDownloadPaused", "ImageDownloadResumed",
            "ImageDownloadCancelled"));

    /** The PostgreSQL tables of the rebuildable read models (RebuildableReadModels). */
    private static final List<String> READ_MODEL_TABLES = List.of("download", "image", "image_source", "user_favorite",
            "user_mutual", "user_shortlist", "user_exclusion", "image_favorite", "user_profile", "image_search_favorite",
            "image_search_source", "notification", "notification_preference_view");

    private static final List<String> REBUILDABLE = List.of("downloads", "images", "favorites", "users", "image-search", "cache",
            "notification-inbox");

    private static final int DOWNLOAD_USERS = 6;
    private static final int FAVORITE_USERS = 10;
    private static final int WORKERS = 4;
    private static final int CRASHES = 3;

    private static final String DATABASE = "picflow";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // the service's log and PostgreSQL's data stay when it fails
    Path work;

    private final String admin = TestTokens.admin("crash-ops");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void what_was_answered_survives_a_postgres_crash_under_load_and_every_read_model_equals_a_rebuild() throws Exception {
        Path runtime = Path.of("target", "test-services", "postgres-runtime").toAbsolutePath();
        String elasticsearch = TestServices.elasticsearch().url();
        String searchAlias = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        Postgres postgres = new Postgres(work.resolve("postgres"), runtime, freePort());
        try (postgres; TestImageServer images = new TestImageServer().start()) {
            postgres.start();
            assertThat(postgres.query("SELECT current_setting('fsync') || ' ' || current_setting('full_page_writes') || ' '"
                    + " || current_setting('synchronous_commit')", "postgres")).containsExactly("on on on");
            postgres.query("CREATE DATABASE " + DATABASE, "postgres");

            Map<String, String> environment = new HashMap<>();
            environment.put("PICFLOW_DB_URL", postgres.jdbcUrl(DATABASE));
            environment.put("PICFLOW_ELASTICSEARCH_URL", elasticsearch);
            environment.put("PICFLOW_JWT_SECRET", TestTokens.SECRET);
            environment.put("PICFLOW_ALLOW_PRIVATE_ADDRESSES", "true");
            environment.put("PICFLOW_STORAGE_DIR", work.resolve("images").toString());
            // Its own search alias (the test JVM's Elasticsearch is shared); tickets that outlive the outage.
            String[] arguments = {"--picflow.search.alias=" + searchAlias, "--picflow.live.ticket-ttl=5m"};

            try (ServiceProcess service = ServiceProcess.start("picflow.jar.standalone", work.resolve("service"), environment,
                    arguments)) {
                service.awaitHealthy(Duration.ofMinutes(2));
                try {
                    crashUnderLoadAndCheck(postgres, service, images, elasticsearch + "/" + searchAlias);
                } catch (AssertionError | RuntimeException e) {
                    e.addSuppressed(new AssertionError("the service's log ends with:\n" + service.logTail()));
                    e.addSuppressed(new AssertionError("the service's unhandled errors:\n" + service.logExcerpts("Unhandled error", 80)));
                    throw e;
                }
                assertThat(service.stop()).as("exit code after SIGTERM").isIn(0, 143);
            }
        }
    }

    private void crashUnderLoadAndCheck(Postgres postgres, ServiceProcess service, TestImageServer images, String searchIndex)
            throws Exception {
        ApiClient api = service.api();
        Load load = new Load(api, images);
        load.registerUsers();

        SocketClient live = SocketClient.connectWithHeader(service.port, "/ws?types=" + FEED_TYPES, admin);
        try {
            live.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(10));
            load.start();
            await("load before the first crash").atMost(Duration.ofSeconds(60))
                    .until(() -> load.downloads.size() >= 20 && load.favorites.size() >= 10);

            // A ticket answered 201 before the crashes must open a connection after them.
            HttpResponse<String> ticketResponse = api.send("POST", "/api/ws-tickets", admin, HttpRequest.BodyPublishers.noBody());
            assertThat(ticketResponse.statusCode()).as(ticketResponse.body()).isEqualTo(201);
            String ticket = json.readTree(ticketResponse.body()).get("ticket").asString();

            // Several crashes, each in the middle of the load: what a crash can lose is only the last moments' commits
            // (the WAL that PostgreSQL had not yet handed to the kernel), so each crash is another chance to catch one.
            List<JsonNode> sentBeforeCrash = new ArrayList<>();
            long highestBeforeCrash = 0;
            long firstCrashAt = 0;
            List<Long> outages = new ArrayList<>();
            for (int crash = 1; crash <= CRASHES; crash++) {
                if (crash > 1) {
                    int accepted = load.downloads.size();
                    await("requests accepted after restart " + (crash - 1)).atMost(Duration.ofSeconds(90))
                            .until(() -> load.downloads.size() >= accepted + 12);
                }
                // What the client has been sent when PostgreSQL dies (frames still in flight are counted after).
                assertThat(live.closeCode()).as("the live connection before crash %s", crash).isNotDone();
                sentBeforeCrash.addAll(frames(live.drain()));
                highestBeforeCrash = sentBeforeCrash.stream().mapToLong(frame -> frame.get("position").asLong()).max().orElse(0);
                long crashedAt = System.nanoTime();
                firstCrashAt = crash == 1 ? crashedAt : firstCrashAt;
                postgres.crash();
                postgres.start(); // crash recovery from the WAL, on the same data directory and port
                outages.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt));
            }

            // The service recovers by itself, and goes on accepting requests.
            int acceptedAtLastCrash = load.downloads.size();
            await("requests accepted after the last restart").atMost(Duration.ofSeconds(90))
                    .until(() -> load.downloads.size() >= acceptedAtLastCrash + 12);
            load.stop();
            service.awaitHealthy(Duration.ofSeconds(60));
            String loadSummary = CRASHES + " crashes, PostgreSQL down for " + outages + " ms; " + load.summary();
            System.out.println("PostgresCrashIT: " + loadSummary);
            assertThat(load.otherAnswers).as(loadSummary).doesNotContainKey("download 202 without its Location");
            // A request that meets the outage is refused as "try again" (503), not as a server defect (500).
            assertThat(load.otherAnswers.keySet()).as(loadSummary).noneMatch(answer -> answer.endsWith(" 500"));
            assertThat(load.acceptedDuringOrAfterCrash(firstCrashAt)).as("202s after the first crash (%s)", loadSummary).isPositive();

            // (1) Every 202 is in the event store.
            everyAcceptedRequestIsStored(postgres, load, api);

            awaitSettled(postgres, service, "after the crashes");

            // (2) No position already sent to a WebSocket client is reissued.
            List<JsonNode> sentAfterCrash = frames(live.drain());
            noPositionIsReissued(service, ticket, sentBeforeCrash, highestBeforeCrash, sentAfterCrash);

            // (3) Every read model equals a rebuild.
            everyReadModelEqualsARebuild(postgres, service, searchIndex, load);
        } finally {
            load.stop();
            live.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // (1) every 202 is in the store

    private void everyAcceptedRequestIsStored(Postgres postgres, Load load, ApiClient api) {
        Set<String> requested = new TreeSet<>(postgres.query("SELECT aggregate_identifier FROM domain_event_entry"
                + " WHERE payload_type = 'io.picflow.events.downloads.ImageDownloadRequested' AND sequence_number = 0", DATABASE));
        assertThat(missing(load.downloads.stream().map(Accepted::id), requested))
                .as("download requests answered 202 (of %s) whose ImageDownloadRequested is not stored", load.downloads.size())
                .isEmpty();

        Set<String> favorited = new TreeSet<>(postgres.query("SELECT convert_from(payload, 'UTF8')::jsonb ->> 'actorId' || ' -> '"
                + " || (convert_from(payload, 'UTF8')::jsonb ->> 'targetId') FROM domain_event_entry"
                + " WHERE payload_type = 'io.picflow.events.favorites.UserFavorited'", DATABASE));
        assertThat(missing(load.favorites.stream().map(Accepted::id), favorited))
                .as("favorites answered 202 (of %s) whose UserFavorited is not stored", load.favorites.size()).isEmpty();

        Set<String> registered = new TreeSet<>(postgres.query("SELECT convert_from(payload, 'UTF8')::jsonb ->> 'userId'"
                + " FROM domain_event_entry WHERE payload_type = 'io.picflow.events.users.UserRegistered'", DATABASE));
        assertThat(missing(load.registered.stream(), registered)).as("registrations answered 202 that are not stored").isEmpty();

        Set<String> correlations = new TreeSet<>(postgres.query(
                "SELECT DISTINCT picflow_correlation_id(meta_data) FROM domain_event_entry", DATABASE));
        assertThat(missing(Stream.concat(load.downloads.stream(), load.favorites.stream()).map(Accepted::correlationId), correlations))
                .as("correlation ids answered with a 202 that no stored event carries").isEmpty();

        // The idempotency keys committed with the requests: the same key and body replay the first answer.
        for (Accepted download : load.downloads) {
            HttpResponse<String> replay = api.postJson("/api/downloads", Load.token(download.user()), download.body(),
                    "Idempotency-Key", download.idempotencyKey());
            assertThat(replay.statusCode()).as("replay of %s: %s", download.idempotencyKey(), replay.body()).isEqualTo(202);
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).as("replay of %s", download.idempotencyKey())
                    .hasValue("true");
            assertThat(json.readTree(replay.body()).get("downloadId").asString()).isEqualTo(download.id());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // (2) no position sent to a WebSocket client is reissued

    private void noPositionIsReissued(ServiceProcess service, String ticket, List<JsonNode> sentBeforeCrash,
            long highestBeforeCrash, List<JsonNode> sentAfterCrash) {
        // On the connection that stayed open, positions only went up, across the crash.
        List<Long> livePositions = Stream.concat(sentBeforeCrash.stream(), sentAfterCrash.stream())
                .filter(frame -> !isCaughtUp(frame)).map(frame -> frame.get("position").asLong()).toList();
        assertThat(livePositions).as("positions on the connection open through the crashes").isSorted().doesNotHaveDuplicates();
        assertThat(sentBeforeCrash).as("frames sent before the crash").anyMatch(frame -> !isCaughtUp(frame));

        // A client resuming from the highest position it saw before the last crash (with a ticket issued before the first) gets
        // only higher positions; a feed whose head went back below it would refuse the after= (4400).
        List<JsonNode> resumed;
        try (SocketClient client = SocketClient.connect(service.port,
                "/ws?types=" + FEED_TYPES + "&after=" + highestBeforeCrash + "&ticket=" + ticket)) {
            resumed = frames(client.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(30)));
        }
        assertThat(resumed).as("frames after resuming with after=%s", highestBeforeCrash)
                .allSatisfy(frame -> assertThat(frame.get("position").asLong()).isGreaterThan(highestBeforeCrash));
        assertThat(resumed.stream().filter(frame -> !isCaughtUp(frame)).map(frame -> frame.get("position").asLong()).toList())
                .isSorted().doesNotHaveDuplicates();

        // Every position that any client was sent is still the same frame: a replay of the whole feed has it unchanged.
        Map<Long, JsonNode> replay = new TreeMap<>();
        try (SocketClient client = SocketClient.connectWithHeader(service.port, "/ws?types=" + FEED_TYPES + "&after=0", admin)) {
            for (JsonNode frame : frames(client.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(60)))) {
                if (!isCaughtUp(frame)) {
                    assertThat(replay.put(frame.get("position").asLong(), frame)).as("position replayed twice: %s", frame).isNull();
                }
            }
        }
        Map<Long, JsonNode> sent = new TreeMap<>();
        Stream.of(sentBeforeCrash, sentAfterCrash, resumed).flatMap(List::stream).filter(frame -> !isCaughtUp(frame))
                .forEach(frame -> {
                    JsonNode earlier = sent.putIfAbsent(frame.get("position").asLong(), frame);
                    assertThat(earlier == null || earlier.equals(frame)).as("position %s sent as %s and as %s",
                            frame.get("position"), earlier, frame).isTrue();
                });
        List<String> differences = new ArrayList<>();
        sent.forEach((position, frame) -> {
            if (!frame.equals(replay.get(position))) {
                differences.add("position " + position + " was sent as " + frame + " and is now " + replay.get(position));
            }
        });
        assertThat(differences).as("positions sent to clients whose frame was lost or reissued (of %s sent, %s before the crash)",
                sent.size(), sentBeforeCrash.size()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // (3) every read model equals a rebuild

    private void everyReadModelEqualsARebuild(Postgres postgres, ServiceProcess service, String searchIndex, Load load) {
        assertThat(postgres.query("SELECT processing_group || ' ' || sequence_identifier || ' ' || payload_type || ': '"
                + " || coalesce(cause_message, '') FROM query_dead_letter_entry ORDER BY 1", DATABASE))
                .as("events parked by a read model").isEmpty();
        Map<String, List<String>> built = readModels(postgres, service, searchIndex, load);
        assertThat(built.get("download")).as("download rows").hasSizeGreaterThanOrEqualTo(load.downloads.size());
        assertThat(built.get("search")).as("search documents").isNotEmpty();

        for (String readModel : REBUILDABLE) {
            HttpResponse<String> started = service.api().send("POST", "/api/admin/projections/" + readModel + "/rebuild", admin,
                    HttpRequest.BodyPublishers.noBody());
            assertThat(started.statusCode()).as("rebuild %s: %s", readModel, started.body()).isEqualTo(202);
            String location = started.headers().firstValue("Location").orElseThrow();
            await("rebuild of " + readModel).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !state(service, location).equals("RUNNING"));
            assertThat(state(service, location)).as("rebuild of %s: %s", readModel, service.api().get(location, admin).body())
                    .isEqualTo("COMPLETED");
        }
        awaitSettled(postgres, service, "after the rebuilds");

        Map<String, List<String>> rebuilt = readModels(postgres, service, searchIndex, load);
        List<String> differences = new ArrayList<>();
        for (String part : built.keySet()) {
            List<String> lost = new ArrayList<>(built.get(part));
            lost.removeAll(rebuilt.get(part));
            List<String> extra = new ArrayList<>(rebuilt.get(part));
            extra.removeAll(built.get(part));
            lost.forEach(row -> differences.add(part + ", only as built through the crashes: " + row));
            extra.forEach(row -> differences.add(part + ", only in the rebuild: " + row));
            if (lost.isEmpty() && extra.isEmpty() && !built.get(part).equals(rebuilt.get(part))) {
                differences.add(part + ": the same rows in another order");
            }
        }
        assertThat(differences).as("read models as built through the crashes vs rebuilt from the events").isEmpty();
    }

    private static List<String> missing(Stream<String> answered, Set<String> stored) {
        return answered.filter(id -> !stored.contains(id)).sorted().toList();
    }

    private String state(ServiceProcess service, String location) {
        return json.readTree(service.api().get(location, admin).body()).get("state").asString();
    }

    /** Every read model as text: its tables ordered by content, the search index, and the REST views (some from the cache). */
    private Map<String, List<String>> readModels(Postgres postgres, ServiceProcess service, String searchIndex, Load load) {
        Map<String, List<String>> dump = new LinkedHashMap<>();
        for (String table : READ_MODEL_TABLES) {
            dump.put(table, postgres.query("SELECT to_jsonb(t)::text FROM " + table + " t ORDER BY 1", DATABASE));
        }
        elasticsearch("POST", searchIndex + "/_refresh", null);
        List<String> documents = new ArrayList<>();
        json.readTree(elasticsearch("POST", searchIndex + "/_search", "{\"size\":10000,\"sort\":[{\"imageId\":\"asc\"}]}"))
                .get("hits").get("hits").forEach(hit -> documents.add(hit.get("_id").asString() + " " + hit.get("_source")));
        dump.put("search", documents);

        ApiClient api = service.api();
        List<String> views = new ArrayList<>();
        for (String row : postgres.query("SELECT download_id || ' ' || requested_by FROM download ORDER BY 1", DATABASE)) {
            String[] idAndOwner = row.split(" ");
            views.add(view(api, "/api/downloads/" + idAndOwner[0], Load.token(idAndOwner[1])));
        }
        for (String image : postgres.query("SELECT image_id FROM image ORDER BY 1", DATABASE)) {
            views.add(view(api, "/api/images/" + image, admin));
        }
        for (String user : load.registered) {
            views.add(view(api, "/api/users/" + user, admin));
        }
        dump.put("rest views", views);
        return dump;
    }

    private static String view(ApiClient api, String path, String token) {
        HttpResponse<String> response = api.get(path, token);
        return path + " " + response.statusCode() + " " + response.body();
    }

    private String elasticsearch(String method, String url, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s %s: %s", method, url, response.body()).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // settling

    /**
     * Every download in the read model is finished (completed, or failed for good), and every event processor that
     * tracks the store runs here, holds all its segments and has handled the store's last event.
     */
    private void awaitSettled(Postgres postgres, ServiceProcess service, String when) {
        Supplier<String> unsettled = () -> {
            List<String> problems = new ArrayList<>();
            long head = Long.parseLong(postgres.query("SELECT coalesce(max(global_index), 0) FROM domain_event_entry", DATABASE).get(0));
            problems.addAll(postgres.query("SELECT download_id || ' ' || status FROM download"
                    + " WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY 1", DATABASE));
            HttpResponse<String> processors = service.api().get("/api/admin/processors", admin);
            if (processors.statusCode() != 200) {
                problems.add("processors: " + processors.statusCode());
            } else {
                for (JsonNode processor : json.readTree(processors.body())) {
                    String type = processor.get("type").asString();
                    if (!(type.equals("pooled") || type.equals("tracking")) || processor.get("name").asString().endsWith(".rebuild")) {
                        continue; // subscribing processors keep no position
                    }
                    boolean allClaimedHere = processor.get("segments").size() > 0;
                    for (JsonNode segment : processor.get("segments")) {
                        allClaimedHere &= segment.path("claimedHere").asBoolean(false) && !segment.path("errorState").asBoolean(false);
                    }
                    JsonNode lag = processor.path("lag");
                    if (!processor.get("running").asBoolean() || processor.get("error").asBoolean() || !allClaimedHere
                            || lag.isNull() || lag.isMissingNode() || lag.asLong() != 0 || processor.path("head").asLong() != head) {
                        problems.add("processor not at the store's head (" + head + ") with every segment claimed: " + processor);
                    }
                }
            }
            return String.join("\n", problems);
        };
        try {
            await("settled " + when).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> unsettled.get().isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Not settled " + when + ":\n" + unsettled.get(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // frames

    private static List<JsonNode> frames(List<SocketClient.Frame> received) {
        return received.stream().map(frame -> json.readTree(frame.text())).toList();
    }

    private static boolean isCaughtUp(JsonNode frame) {
        return "CaughtUp".equals(frame.get("type").asString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** A request answered 202: its id (a download id, or "actor -> target" for a favorite) and what replays it. */
    private record Accepted(String id, String user, String correlationId, String idempotencyKey, String body, long answeredAt) {
    }

    /** Threads posting download requests and favorites until stopped, recording every 202. */
    private static final class Load {

        private final ApiClient api;
        private final TestImageServer images;
        private final List<String> registered = Collections.synchronizedList(new ArrayList<>());
        private final ConcurrentLinkedQueue<Accepted> downloads = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Accepted> favorites = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String[]> pairs = new ConcurrentLinkedQueue<>();
        private final Map<String, AtomicInteger> otherAnswers = new ConcurrentHashMap<>();
        private final AtomicInteger sequence = new AtomicInteger();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<Thread> workers = new ArrayList<>();

        Load(ApiClient api, TestImageServer images) {
            this.api = api;
            this.images = images;
            List<String[]> all = new ArrayList<>();
            for (int a = 0; a < FAVORITE_USERS; a++) {
                for (int b = 0; b < FAVORITE_USERS; b++) {
                    if (a != b) {
                        all.add(new String[] {"crash-fan-" + a, "crash-fan-" + b});
                    }
                }
            }
            Collections.shuffle(all, new Random(16));
            pairs.addAll(all);
        }

        static String token(String user) {
            return TestTokens.user(user);
        }

        void registerUsers() {
            List<String> users = new ArrayList<>();
            for (int i = 0; i < FAVORITE_USERS; i++) {
                users.add("crash-fan-" + i);
            }
            for (int i = 0; i < DOWNLOAD_USERS; i++) {
                users.add("crash-downloader-" + i);
            }
            for (String user : users) {
                HttpResponse<String> response = api.postJson("/api/users", token(user), "{\"displayName\":\"" + user + "\"}");
                assertThat(response.statusCode()).as("register %s: %s", user, response.body()).isEqualTo(202);
                registered.add(user);
            }
        }

        void start() {
            for (int i = 0; i < WORKERS; i++) {
                Thread worker = new Thread(this::work, "crash-load-" + i);
                worker.setDaemon(true);
                workers.add(worker);
                worker.start();
            }
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            for (Thread worker : workers) {
                worker.join(TimeUnit.SECONDS.toMillis(60));
            }
        }

        private void work() {
            while (!stopped.get()) {
                int n = sequence.incrementAndGet();
                String user = "crash-downloader-" + n % DOWNLOAD_USERS;
                String key = "crash-" + n;
                String body = "{\"url\":\"" + images.url("/img/" + n + ".png") + "\",\"fileName\":\"img-" + n
                        + ".png\",\"tags\":[\"crash\",\"n" + n % 7 + "\"]}";
                HttpResponse<String> download = post("download", "/api/downloads", user, body, "Idempotency-Key", key);
                if (download != null && download.statusCode() == 202) {
                    JsonNode answer = json.readTree(download.body());
                    String id = answer.get("downloadId").asString();
                    if (!download.headers().firstValue("Location").orElse("").equals("/api/downloads/" + id)) {
                        otherAnswers.computeIfAbsent("download 202 without its Location", k -> new AtomicInteger()).incrementAndGet();
                    }
                    downloads.add(new Accepted(id, user, answer.get("correlationId").asString(), key, body, System.nanoTime()));
                }
                String[] pair = pairs.poll();
                if (pair != null) {
                    HttpResponse<String> favorite = post("favorite", "/api/users/me/favorites", pair[0],
                            "{\"userId\":\"" + pair[1] + "\",\"source\":\"crash_test\"}");
                    if (favorite != null && favorite.statusCode() == 202) {
                        favorites.add(new Accepted(pair[0] + " -> " + pair[1], pair[0],
                                json.readTree(favorite.body()).get("correlationId").asString(), null, null, System.nanoTime()));
                    }
                }
            }
        }

        private HttpResponse<String> post(String what, String path, String user, String body, String... headers) {
            try {
                HttpResponse<String> response = api.postJson(path, token(user), body, headers);
                if (response.statusCode() != 202) {
                    otherAnswers.computeIfAbsent(what + " " + response.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                }
                return response;
            } catch (RuntimeException e) {
                otherAnswers.computeIfAbsent(what + " " + e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                return null;
            }
        }

        long acceptedDuringOrAfterCrash(long crashedAt) {
            return Stream.concat(downloads.stream(), favorites.stream()).filter(a -> a.answeredAt() > crashedAt).count();
        }

        String summary() {
            return downloads.size() + " download requests and " + favorites.size() + " favorites answered 202; other answers: "
                    + new TreeMap<>(otherAnswers);
        }
    }

    /** The test's own PostgreSQL, with production durability, which it can crash and start again on the same data. */
    private static final class Postgres implements AutoCloseable {

        private final Path dataDirectory;
        private final Path runtimeDirectory;
        private final int port;
        private EmbeddedPostgresServer server;

        Postgres(Path dataDirectory, Path runtimeDirectory, int port) {
            this.dataDirectory = dataDirectory;
            this.runtimeDirectory = runtimeDirectory;
            this.port = port;
        }

        void start() {
            server = EmbeddedPostgresServer.start(dataDirectory, runtimeDirectory, port, true);
            assertThat(server.port()).isEqualTo(port);
        }

        String jdbcUrl(String database) {
            return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
        }

        /**
         * SIGKILL to the postmaster and every process it started, in one {@code kill -9}. The postmaster is stopped
         * first (SIGSTOP) so that it cannot fork a backend after its children have been listed: such a backend would
         * survive, keep the shared memory attached, and the restart would refuse to run. (pg_ctl makes the postmaster,
         * and the postmaster each child, the leader of a session of its own: no process group holds them all.)
         */
        void crash() throws IOException, InterruptedException {
            long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no postmaster " + pid));
            run("kill", "-STOP", Long.toString(pid));
            // The postmaster last: a backend that outlives it by a moment notices and exits, rather than being killed.
            List<ProcessHandle> processes = Stream.concat(postmaster.descendants(), Stream.of(postmaster)).toList();
            assertThat(processes).as("the postmaster and its children").hasSizeGreaterThan(3);
            List<String> kill = new ArrayList<>(List.of("kill", "-9"));
            processes.forEach(process -> kill.add(Long.toString(process.pid())));
            run(kill.toArray(String[]::new));
            // Gone, not just dead: a zombie postmaster still "runs" for the restart's check of postmaster.pid.
            await("the killed PostgreSQL processes are gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> processes.stream().noneMatch(process -> Files.exists(Path.of("/proc", Long.toString(process.pid())))));
            // Releases the embedded server's lock on the data directory; its pg_ctl stop finds nothing left to stop.
            server.close();
            server = null;
        }

        private static void run(String... command) throws IOException, InterruptedException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
        }

        /** The first column of every row, as text; an empty list for a statement without rows. */
        List<String> query(String sql, String database) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl(database), "postgres", "");
                 Statement statement = connection.createStatement()) {
                List<String> rows = new ArrayList<>();
                if (statement.execute(sql)) {
                    try (ResultSet result = statement.getResultSet()) {
                        while (result.next()) {
                            rows.add(result.getString(1));
                        }
                    }
                }
                return rows;
            } catch (SQLException e) {
                throw new IllegalStateException(sql, e);
            }
        }

        @Override
        public void close() {
            if (server != null) {
                server.close();
            }
        }
    }
}
