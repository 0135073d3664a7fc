package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.picflow.devservices.SocketClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The failure suite: a whole local cluster ({@code scripts/cluster}: PostgreSQL, Elasticsearch, two command and two
 * query JVMs, nginx), started once, and the things that happen to clusters done to it, kill -9 included. Run by
 * {@code .ci/run} after {@code ./mvnw verify} ({@code ./mvnw -Pcluster-failures -pl standalone -am verify -DskipTests}),
 * because it needs nginx from the operating system. The order matters: each scenario starts from the cluster the
 * previous one left, whole again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailures {

    private static final Pattern POSITION = Pattern.compile("\"position\":(\\d+)");
    private static final int SMTP_PORT = 18025;
    private static TestImageServer images;
    /** The one SMTP server every command node sends to, as in production (without one, each node has its own). */
    private static GreenMail smtp;
    private static LocalCluster cluster;
    private static JdbcClient database;

    @BeforeAll
    static void startTheCluster() {
        images = new TestImageServer().start();
        smtp = new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        smtp.start();
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        cluster = new LocalCluster(root, Path.of(System.getProperty("user.dir"), "target", "cluster"), Map.of(
                "PICFLOW_ALLOW_PRIVATE_ADDRESSES", "true", // the images come from this test's own server
                // Failover in seconds rather than the production defaults' minute, so that the suite fits its budget.
                "PICFLOW_CLAIM_TIMEOUT", "10s",
                "PICFLOW_DOWNLOADS_HEARTBEATINTERVAL", "2s",
                "PICFLOW_DOWNLOADS_HEARTBEATSTALEAFTER", "6s",
                "PICFLOW_DOWNLOADS_PERHOSTCONCURRENCY", "100",
                "PICFLOW_DOWNLOADS_GLOBALCONCURRENCY", "100",
                "PICFLOW_MAIL_HOST", "127.0.0.1",
                "PICFLOW_MAIL_PORT", Integer.toString(SMTP_PORT),
                // A delivery claimed by a node that dies is sent again once its lease runs out: seconds here, not minutes.
                "PICFLOW_OUTBOUND_LEASE", "15s"));
        cluster.run("stop"); // whatever an earlier run left
        deleteState();
        // The four application nodes start at the same moment, on an empty database.
        cluster.run("start");
        database = cluster.database();
    }

    private static void deleteState() {
        Path state = Path.of(System.getProperty("user.dir"), "target", "cluster");
        if (java.nio.file.Files.exists(state)) {
            try (var files = java.nio.file.Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @AfterAll
    static void stopTheCluster() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (images != null) {
                images.close();
            }
            if (smtp != null) {
                smtp.stop();
            }
        }
    }

    @Test
    @Order(1)
    void four_nodes_started_at_the_same_moment_on_an_empty_database_all_started() {
        for (String node : LocalCluster.PORTS.keySet()) {
            assertThat(cluster.node(node).get("/actuator/health", null).statusCode()).as(node).isEqualTo(200);
        }
        assertThat(cluster.allLogs()).doesNotContain("UnableToRetrieveIdentifierException");
        // Every processor has its segments, once.
        assertThat(database.sql("SELECT processor_name || ' ' || count(*) FROM command_token_entry GROUP BY processor_name")
                .query(String.class).list()).contains("ImageDownloadProcessProcessor 2");
        assertThat(database.sql("SELECT processor_name || ' ' || count(*) FROM query_token_entry GROUP BY processor_name")
                .query(String.class).list()).contains("downloads 2", "favorites 2", "live-feed 1");
        String user = cluster.token("starter", "user");
        HttpResponse<String> accepted = cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/img/1.png")));
        assertThat(accepted.statusCode()).isEqualTo(202);
        awaitCompleted(List.of(idOf(accepted)), Duration.ofMinutes(1));

        // A WebSocket ticket issued by one query node opens a connection on the other.
        HttpResponse<String> ticket = cluster.node("query-1").send("POST", "/api/ws-tickets", user, HttpRequest.BodyPublishers.noBody());
        assertThat(ticket.statusCode()).as(ticket.body()).isEqualTo(201);
        Matcher value = Pattern.compile("\"ticket\"\\s*:\\s*\"([^\"]+)\"").matcher(ticket.body());
        assertThat(value.find()).isTrue();
        try (SocketClient socket = SocketClient.connect(LocalCluster.PORTS.get("query-2"), "/ws?scope=mine&ticket=" + value.group(1))) {
            assertThat(socket.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(10))).isNotEmpty();
        }
    }

    @Test
    @Order(2)
    void a_rebuild_started_on_one_query_node_hands_over_everywhere_and_any_node_shows_its_progress() {
        String admin = cluster.token("ops", "user,admin");
        String before = idOf(cluster.viaNginx().postJson("/api/downloads", admin, json(images.url("/img/3.png"))));
        awaitCompleted(List.of(before), Duration.ofMinutes(1));
        HttpResponse<String> started = cluster.node("query-1").send("POST", "/api/admin/projections/downloads/rebuild", admin,
                HttpRequest.BodyPublishers.noBody());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();

        // Read from the other node, which also holds live segments of the read model and must let go of them.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(cluster.node("query-2").get(location, admin).body()).contains("\"state\":\"COMPLETED\""));
        assertThat(cluster.node("query-1").get(location, admin).body()).contains("\"state\":\"COMPLETED\"");
        // Both nodes go on projecting afterwards: a new download shows up, whichever node reads it.
        String user = cluster.token("after-rebuild", "user");
        String id = idOf(cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/img/2.png"))));
        awaitCompleted(List.of(id), Duration.ofMinutes(1));
        for (String node : List.of("query-1", "query-2")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(cluster.node(node).get("/api/downloads/" + id, user).body()).contains("COMPLETED"));
        }
    }

    @Test
    @Order(3)
    void a_command_node_killed_with_50_downloads_in_flight_leaves_them_all_to_the_other_which_completes_them() {
        // 110 downloads of 30 s each: whatever way the process manager's two segments are shared, one node has 55 or more.
        List<String> ids = new ArrayList<>();
        for (int user = 0; user < 2; user++) {
            String token = cluster.token("fleet-" + user, "user");
            for (int i = 0; i < 55; i++) {
                ids.add(idOf(cluster.viaNginx().postJson("/api/downloads", token, json(images.url("/trickle/" + (user * 100 + i) + ".png")))));
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.fetchesOn("command-1") + cluster.fetchesOn("command-2") >= ids.size());
        String victim = cluster.fetchesOn("command-1") >= cluster.fetchesOn("command-2") ? "command-1" : "command-2";
        assertThat(cluster.fetchesOn(victim)).as("fetches in flight on " + victim).isGreaterThanOrEqualTo(50);

        cluster.run("kill", victim);

        awaitCompleted(ids, Duration.ofMinutes(4));
        cluster.run("start", victim);
    }

    @Test
    @Order(4)
    void websocket_clients_of_a_query_node_killed_resume_on_the_other_with_no_gap_and_no_duplicate() throws Exception {
        String user = cluster.token("watcher", "user");
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(new ResumingClient(user));
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(idOf(cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/trickle/" + (5000 + i) + ".png")))));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(client -> client.positions.size() >= 5));

        cluster.run("kill", "query-1");

        awaitCompleted(ids, Duration.ofMinutes(3));
        long head = database.sql("SELECT max(position) FROM live_feed WHERE download_id IN (:ids)").param("ids", ids)
                .query(Long.class).single();
        await().atMost(Duration.ofMinutes(1)).until(() -> clients.stream().allMatch(client -> client.last() >= head));
        for (ResumingClient client : clients) {
            client.stop();
            List<Long> received = client.framePositions();
            assertThat(received).as("no duplicate").doesNotHaveDuplicates();
            assertThat(received).as("in order").isSorted();
            // Nothing but what the feed has for this user after the client's first CaughtUp, as a fresh client reads it,
            List<Long> feed = everyFrameAfter(user, client.firstCaughtUp, client.last());
            assertThat(feed).as("nothing that is not in the feed").containsAll(received);
            // and every change of state among it (progress frames may be coalesced for a slow reader: docs/websocket.md).
            List<Long> changes = database.sql("SELECT position FROM live_feed WHERE download_id IN (:ids) AND NOT progress "
                            + "AND position > :first AND position <= :last ORDER BY position")
                    .param("ids", ids).param("first", client.firstCaughtUp).param("last", client.last()).query(Long.class).list();
            assertThat(changes).as("the download's changes").hasSizeGreaterThanOrEqualTo(ids.size());
            assertThat(received).as("no gap").containsAll(changes);
        }
        assertThat(clients).as("some clients were on the node that died").anyMatch(client -> client.reconnects > 0);
        cluster.run("start", "query-1");
    }

    @Test
    @Order(5)
    void postgresql_stopped_for_20_seconds_answers_503_quickly_and_loses_nothing_accepted_before() {
        String user = cluster.token("outage", "user");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(idOf(cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/trickle/" + (6000 + i) + ".png")))));
        }

        cluster.run("stop", "postgres");
        long outageStarted = System.nanoTime();
        List<String> wrong = new ArrayList<>();
        int answered = 0;
        while (LocalCluster.since(outageStarted).compareTo(Duration.ofSeconds(20)) < 0) {
            for (String path : List.of("POST /api/downloads", "GET /api/downloads", "GET /api/downloads/" + ids.get(0))) {
                long sent = System.nanoTime();
                HttpResponse<String> answer = path.startsWith("POST")
                        ? cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/img/during-outage.png")))
                        : cluster.viaNginx().get(path.substring(4), user);
                Duration took = LocalCluster.since(sent);
                answered++;
                if (answer.statusCode() != 503 || took.compareTo(Duration.ofSeconds(3)) > 0) {
                    wrong.add(path + " -> " + answer.statusCode() + " in " + took.toMillis() + " ms: " + answer.body());
                }
            }
        }
        cluster.run("start", "postgres");

        assertThat(answered).isGreaterThan(10);
        assertThat(wrong).as("every request during the outage: 503 within 3 s").isEmpty();
        // Every node recovers by itself; what was accepted before completes.
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() ->
                cluster.viaNginx().postJson("/api/downloads", user, json(images.url("/img/after-outage.png"))).statusCode() == 202);
        awaitCompleted(ids, Duration.ofMinutes(3));
    }

    @Test
    @Order(6)
    void with_elasticsearch_stopped_search_answers_503_and_the_index_catches_up_afterwards() {
        String user = cluster.token("searcher", "user");
        cluster.run("stop", "elasticsearch");
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.viaNginx().get("/api/images?q=harbour", user).statusCode() == 503);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(idOf(cluster.viaNginx().postJson("/api/downloads", user, "{\"url\":\"" + images.url("/img/" + (7000 + i) + ".png")
                    + "\",\"tags\":[\"outagetag\"]}")));
        }
        awaitCompleted(ids, Duration.ofMinutes(1));
        assertThat(cluster.viaNginx().get("/api/images?tag=outagetag", user).statusCode()).isEqualTo(503);

        cluster.run("start", "elasticsearch");

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(cluster.viaNginx().get("/api/images?tag=outagetag", user).body()).contains("\"total\":5"));
    }

    @Test
    @Order(7)
    void a_command_node_killed_during_a_burst_of_notifications_leaves_every_email_delivered_once_or_in_flight_twice() throws Exception {
        int pairs = 40;
        List<String[]> users = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            String a = "burst-a-" + i;
            String b = "burst-b-" + i;
            for (String user : List.of(a, b)) {
                HttpResponse<String> registered = cluster.viaNginx().postJson("/api/users", tokenOf(user),
                        "{\"displayName\":\"" + user + "\",\"email\":\"" + user + "@example.test\"}");
                assertThat(registered.statusCode()).as(registered.body()).isEqualTo(202);
            }
            users.add(new String[] {a, b});
        }
        database.sql("UPDATE user_contact SET email_verified = true WHERE user_id LIKE 'burst-%'").update();
        for (String[] pair : users) {
            idOfFavorite(pair[0], pair[1]);
        }
        // The mutual favorites: 80 emails (MUTUAL_FAVORITE goes by email by default). A node dies as soon as they are
        // accepted: with notifications being created, deliveries recorded and emails being sent.
        for (String[] pair : users) {
            idOfFavorite(pair[1], pair[0]);
        }
        cluster.run("kill", "command-1");

        // The killed node's SMTP connections reset under the test's GreenMail, whose handler threads then throw: that is
        // the kill, not a failure of what is checked here (Awaitility would otherwise fail on any thread's exception).
        await().dontCatchUncaughtExceptions().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(database.sql("SELECT count(*) FROM outbound_delivery WHERE user_id LIKE 'burst-%' AND channel = 'email' "
                        + "AND status = 'SENT'").query(Long.class).single()).as(cluster::logTails).isEqualTo(2L * pairs));
        assertThat(database.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = "
                + "'io.picflow.events.notifications.NotificationCreated' AND convert_from(payload, 'UTF8')::jsonb ->> 'recipientId' "
                + "LIKE 'burst-%' AND convert_from(payload, 'UTF8')::jsonb ->> 'trigger' = 'MUTUAL_FAVORITE'").query(Long.class).single())
                .as("one notification per source event and recipient").isEqualTo(2L * pairs);
        Map<String, Long> received = new java.util.HashMap<>();
        for (jakarta.mail.internet.MimeMessage message : smtp.getReceivedMessages()) {
            if (message.getSubject().contains("now favorite each other") && message.getAllRecipients()[0].toString().startsWith("burst-")) {
                received.merge(message.getMessageID(), 1L, Long::sum);
            }
        }
        assertThat(received).as("every email arrived").hasSize(2 * pairs);
        // A repeat only for what the dead node had claimed and not recorded: at most its email concurrency, 16.
        long repeats = received.values().stream().mapToLong(count -> count - 1).sum();
        assertThat(repeats).as("repeated emails, same Message-ID").isLessThanOrEqualTo(16);
        assertThat(received.values()).allMatch(count -> count <= 2);
        cluster.run("start", "command-1");
    }

    private static final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    /** A user's token, signed here with the cluster's secret (scripts/cluster token costs a JVM start per token). */
    private static String tokenOf(String user) {
        return tokens.computeIfAbsent(user, name -> {
            try {
                String secret = java.nio.file.Files.readString(Path.of(System.getProperty("user.dir"), "target", "cluster", "jwt-secret"))
                        .strip();
                return io.picflow.devservices.TestTokens.token(name, List.of("user"), java.time.Instant.now().plusSeconds(3600), secret);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static void idOfFavorite(String actor, String target) {
        HttpResponse<String> accepted = cluster.viaNginx().postJson("/api/users/me/favorites", tokenOf(actor),
                "{\"userId\":\"" + target + "\"}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    }

    // --- helpers ---

    private static String json(String url) {
        return "{\"url\":\"" + url + "\"}";
    }

    private static String idOf(HttpResponse<String> accepted) {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** Waits until the query side's read model shows every one of these downloads COMPLETED. */
    private static void awaitCompleted(List<String> ids, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() ->
                assertThat(database.sql("SELECT download_id FROM download WHERE download_id IN (:ids) AND status = 'COMPLETED'")
                        .param("ids", ids).query(String.class).list()).as(cluster::logTails).hasSameSizeAs(ids));
    }

    /** The positions of the frames a fresh client gets for the user after {@code after}, up to {@code upTo}. */
    private static List<Long> everyFrameAfter(String token, long after, long upTo) {
        try (SocketClient reference = SocketClient.connectWithHeader(LocalCluster.NGINX, "/ws?scope=mine&after=" + after, token)) {
            List<Long> positions = new ArrayList<>();
            for (SocketClient.Frame frame : reference.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(30))) {
                long position = positionOf(frame.text());
                if (!frame.text().contains("\"CaughtUp\"") && position <= upTo) {
                    positions.add(position);
                }
            }
            return positions;
        }
    }

    private static long positionOf(String frame) {
        Matcher matcher = POSITION.matcher(frame);
        assertThat(matcher.find()).as(frame).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    /**
     * A client as docs/websocket.md tells one to behave: it remembers the highest position received and, when its
     * connection drops, connects again through nginx with {@code after=} that position.
     */
    private static final class ResumingClient {

        final List<Long> positions = new CopyOnWriteArrayList<>();
        final List<Boolean> caughtUp = new CopyOnWriteArrayList<>();
        volatile long firstCaughtUp = -1;
        volatile int reconnects;
        private final String token;
        private final Thread reader;
        private volatile boolean stopped;

        ResumingClient(String token) {
            this.token = token;
            this.reader = new Thread(this::read, "resuming-client");
            reader.setDaemon(true);
            reader.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> firstCaughtUp >= 0);
        }

        long last() {
            return positions.isEmpty() ? -1 : positions.get(positions.size() - 1);
        }

        /** The positions of the download frames, CaughtUp frames left out. */
        List<Long> framePositions() {
            List<Long> frames = new ArrayList<>();
            for (int i = 0; i < positions.size(); i++) {
                if (!caughtUp.get(i) && positions.get(i) > firstCaughtUp) {
                    frames.add(positions.get(i));
                }
            }
            return frames;
        }

        private void read() {
            while (!stopped) {
                String query = firstCaughtUp < 0 ? "/ws?scope=mine" : "/ws?scope=mine&after=" + last();
                try (SocketClient socket = SocketClient.connectWithHeader(LocalCluster.NGINX, query, token)) {
                    while (!stopped) {
                        SocketClient.Frame frame;
                        try {
                            frame = socket.next(Duration.ofMillis(500));
                        } catch (AssertionError nothingYet) {
                            if (socket.closeCode().isDone()) {
                                socket.drain().forEach(this::accept); // what arrived just before the close
                                break; // the connection is gone (its node died): connect again with after=
                            }
                            continue;
                        }
                        accept(frame);
                    }
                } catch (RuntimeException connectFailed) {
                    // nginx answered before it knew the node was gone: try again
                }
                if (!stopped) {
                    reconnects++;
                }
            }
        }

        private void accept(SocketClient.Frame frame) {
            boolean isCaughtUp = frame.text().contains("\"CaughtUp\"");
            long position = positionOf(frame.text());
            if (isCaughtUp && firstCaughtUp < 0) {
                firstCaughtUp = position;
            }
            positions.add(position);
            caughtUp.add(isCaughtUp);
        }

        void stop() throws InterruptedException {
            stopped = true;
            reader.join(10_000);
        }
    }
}
