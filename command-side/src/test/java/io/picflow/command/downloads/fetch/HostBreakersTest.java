package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import io.picflow.events.downloads.DownloadErrorCodes;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Circuit breakers per image host (issue 19), end to end: real process manager, worker, deadlines on PostgreSQL, and
 * local image servers, each its own host (127.0.0.1 on its own port). Private addresses are allowed here.
 */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// No other class shares this context (its wait-in-open is its own): closed after the class, while the database is still
// up, rather than at the JVM's exit, where every cached context's shutdown waits out timeouts against a stopped database.
@DirtiesContext
class HostBreakersTest {

    /** Long enough for the assertions made while a breaker is open to finish well before it lets trial calls through. */
    private static final Duration WAIT_IN_OPEN = Duration.ofSeconds(15);
    private static final JsonMapper json = JsonMapper.builder().build();
    private static final byte[] PNG = TestImages.png(64, 48);

    /** The failing host: 503 for everything while sick. */
    private static MockWebServer failing;
    private static final AtomicBoolean sick = new AtomicBoolean(true);
    private static final List<String> failingRequests = new CopyOnWriteArrayList<>();
    /** A healthy host next to it. */
    private static MockWebServer healthy;
    /** A host that answers 404 and non-images, which are not its failures. */
    private static MockWebServer picky;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    HostBreakers hostBreakers;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void startImageServers() throws Exception {
        failing = server(request -> {
            failingRequests.add(request.getUrl().encodedPath());
            return sick.get() ? new MockResponse.Builder().code(503).build() : image();
        });
        healthy = server(request -> image());
        picky = server(request -> {
            String path = request.getUrl().encodedPath();
            if (path.startsWith("/missing")) {
                return new MockResponse.Builder().code(404).build();
            }
            if (path.startsWith("/page")) {
                return new MockResponse.Builder().setHeader("Content-Type", "image/png").body("<html>Sorry</html>").build();
            }
            return image();
        });
    }

    private static MockWebServer server(Function<RecordedRequest, MockResponse> answer) throws Exception {
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer.apply(request);
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        return server;
    }

    private static MockResponse image() {
        return new MockResponse.Builder().setHeader("Content-Type", "image/png").body(new Buffer().write(PNG)).build();
    }

    @AfterAll
    static void stopImageServers() throws Exception {
        failing.close();
        healthy.close();
        picky.close();
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        String storage = Files.createTempDirectory("picflow-images").toString();
        registry.add("picflow.downloads.storage-dir", () -> storage);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
        registry.add("picflow.downloads.retry.base-delay", () -> "100ms");
        registry.add("picflow.downloads.host-breakers.wait-in-open", WAIT_IN_OPEN::toString);
    }

    @Test
    void a_failing_host_stops_burning_its_downloads_attempts_while_other_hosts_are_unaffected() {
        String host = HostBreakers.keyOf(failing.url("/").toString());
        // Three downloads fail with 503 and are retried until five failures in a row open the host's breaker (each
        // download has used at most four of its five attempts by then).
        List<String> early = List.of(request(failing, "/a1.png"), request(failing, "/a2.png"), request(failing, "/a3.png"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hostBreakers.stateOf(host) == CircuitBreaker.State.OPEN);
        assertThat(healthEntry()).isEqualTo("OPEN");

        // While it is open: a new download from that host, two to pause and cancel while they wait, two from another host.
        String late = request(failing, "/a4.png");
        String toPause = request(failing, "/a5.png");
        String toCancel = request(failing, "/a6.png");
        List<String> elsewhere = List.of(request(healthy, "/b1.png"), request(healthy, "/b2.png"));
        elsewhere.forEach(id -> awaitEvent(id, "ImageDownloadCompleted"));
        assertThat(elsewhere).allSatisfy(id -> assertThat(count(id, "ImageDownloadRetryScheduled")).isZero());

        // Every download of the failing host waits for it, none fetching, none failing.
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 6);
        assertThat(control(toPause, "pause")).isEqualTo(202);
        assertThat(control(toCancel, "cancel")).isEqualTo(202);
        awaitEvent(toPause, "ImageDownloadPaused");
        awaitEvent(toCancel, "ImageDownloadCancelled");
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 4);

        List<String> waiting = List.of(early.get(0), early.get(1), early.get(2), late);
        Map<String, Long> retriesWhileOpen = waiting.stream().collect(Collectors.toMap(id -> id,
                id -> count(id, "ImageDownloadRetryScheduled")));
        int requestsSoFar = failingRequests.size();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> failingRequests.size() == requestsSoFar
                && waiting.stream().allMatch(id -> count(id, "ImageDownloadRetryScheduled") == retriesWhileOpen.get(id)));
        assertThat(hostBreakers.stateOf(host)).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(failingRequests).doesNotContain("/a4.png", "/a5.png", "/a6.png");
        assertThat(types(late)).containsExactly("ImageDownloadRequested", "ImageFetchStarted"); // attempt 1, waiting

        // The host recovers: after the wait, the waiting downloads are tried again and complete without another retry.
        sick.set(false);
        waiting.forEach(id -> await().atMost(WAIT_IN_OPEN.plusSeconds(30))
                .until(() -> types(id).contains("ImageDownloadCompleted")));
        assertThat(waiting).allSatisfy(id -> assertThat(count(id, "ImageDownloadRetryScheduled")).isEqualTo(retriesWhileOpen.get(id)));
        assertThat(retriesWhileOpen.values()).allSatisfy(retries -> assertThat(retries).isLessThan(5));
        assertThat(count(late, "ImageFetchStarted")).isEqualTo(1);
        assertThat(attemptOf(late)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> hostBreakers.stateOf(host) == CircuitBreaker.State.CLOSED);

        // The paused one resumes normally; the cancelled one never reached the host.
        assertThat(control(toPause, "resume")).isEqualTo(202);
        awaitEvent(toPause, "ImageDownloadCompleted");
        assertThat(failingRequests).doesNotContain("/a6.png");
        assertThat(types(toCancel)).doesNotContain("ImageFetched").last().isEqualTo("ImageDownloadCancelled");
    }

    @Test
    void not_found_and_content_failures_do_not_open_the_breaker() {
        String host = HostBreakers.keyOf(picky.url("/").toString());
        List<String> notFound = java.util.stream.IntStream.range(0, 8).mapToObj(i -> request(picky, "/missing-" + i + ".png")).toList();
        List<String> notImages = List.of(request(picky, "/page-1.html"), request(picky, "/page-2.html"));
        notFound.forEach(id -> awaitEvent(id, "ImageDownloadFailed"));
        notImages.forEach(id -> awaitEvent(id, "ImageDownloadFailed"));
        assertThat(notFound).allSatisfy(id -> assertThat(errorCodeOf(id)).isEqualTo(DownloadErrorCodes.HTTP_CLIENT_ERROR));
        assertThat(notImages).allSatisfy(id -> assertThat(errorCodeOf(id)).isEqualTo("UNSUPPORTED_FORMAT"));
        assertThat(hostBreakers.stateOf(host)).isEqualTo(CircuitBreaker.State.CLOSED);

        String good = request(picky, "/good.png");
        await().atMost(Duration.ofSeconds(10)).until(() -> types(good).contains("ImageDownloadCompleted"));
        assertThat(count(good, "ImageFetchStarted")).isEqualTo(1);
        assertThat(count(good, "ImageDownloadRetryScheduled")).isZero();
    }

    @Test
    void at_most_max_breakers_are_kept_the_least_recently_used_evicted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HostBreakers breakers = new HostBreakers(3, Duration.ofSeconds(30), Duration.ofMinutes(12), registry, Clock.systemUTC());
        for (String host : List.of("h1", "h2", "h3", "h1", "h4", "h5")) {
            breakers.tryCall(host).answered();
        }
        assertThat(breakers.size()).isEqualTo(3);
        assertThat(registry.get("picflow.downloads.host_breakers.evictions").counter().count()).isEqualTo(2);
        // h1 was used again before h4 and h5 came: h2 and h3 were the least recently used.
        assertThat(breakers.stateOf("h1")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breakers.stateOf("h2")).isNull();
        assertThat(breakers.stateOf("h3")).isNull();
        assertThat(breakers.stateOf("h5")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(registry.get("picflow.downloads.host_breakers").tag("state", "closed").gauge().value()).isEqualTo(3);
    }

    @Test
    void only_the_hosts_transient_failures_count_and_an_open_breaker_shows_in_metrics_and_health() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HostBreakers breakers = new HostBreakers(10, Duration.ofSeconds(30), Duration.ofMinutes(12), registry, Clock.systemUTC());
        for (String code : List.of(DownloadErrorCodes.HTTP_CLIENT_ERROR, DownloadErrorCodes.TOO_LARGE, "UNSUPPORTED_FORMAT",
                DownloadErrorCodes.DNS_TIMEOUT, DownloadErrorCodes.UNKNOWN_HOST, DownloadErrorCodes.HTTP_CLIENT_ERROR)) {
            breakers.tryCall("picky").failed(FetchFailure.permanent(code, code));
        }
        assertThat(breakers.stateOf("picky")).isEqualTo(CircuitBreaker.State.CLOSED);

        for (String code : List.of(DownloadErrorCodes.SERVER_ERROR, DownloadErrorCodes.RATE_LIMITED, DownloadErrorCodes.STALLED,
                DownloadErrorCodes.CONNECTION_RESET, DownloadErrorCodes.CONNECT_TIMEOUT)) {
            breakers.tryCall("down").failed(FetchFailure.transientFailure(code, code));
        }
        assertThat(breakers.stateOf("down")).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breakers.tryCall("down")).isNull();
        assertThat(breakers.retryIn("down")).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(registry.get("picflow.downloads.host_breakers").tag("state", "open").gauge().value()).isEqualTo(1);
        assertThat(registry.get("picflow.breaker.transitions").tags("name", "download-host", "from", "CLOSED", "to", "OPEN")
                .counter().count()).isEqualTo(1);
        assertThat(breakers.health().health(false).getStatus()).isEqualTo(new Status("OPEN"));
        assertThat(breakers.health().health(true).getDetails()).containsEntry("open", 1).containsEntry("closed", 1);
    }

    @Test
    void a_trial_call_that_learnt_nothing_gives_its_permit_back() {
        HostBreakers breakers = new HostBreakers(10, Duration.ofMillis(50), Duration.ofMinutes(12), new SimpleMeterRegistry(),
                Clock.systemUTC());
        for (int i = 0; i < 5; i++) {
            breakers.tryCall("down").failed(FetchFailure.transientFailure(DownloadErrorCodes.SERVER_ERROR, "503"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> breakers.retryIn("down").isZero());
        List<HostBreakers.Call> trials = java.util.stream.Stream.generate(() -> breakers.tryCall("down")).limit(4).toList();
        assertThat(breakers.stateOf("down")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(trials.subList(0, 3)).doesNotContainNull();
        assertThat(trials.get(3)).isNull(); // three trial calls at a time

        // Stopped (a pause) or our own failure: nothing learnt about the host, so the trial is given back, once.
        trials.get(0).release();
        trials.get(0).release();
        trials.get(1).failed(FetchFailure.transientFailure(DownloadErrorCodes.INTERNAL_ERROR, "our bug"));
        List<HostBreakers.Call> more = java.util.stream.Stream.generate(() -> breakers.tryCall("down")).limit(3).toList();
        assertThat(more.subList(0, 2)).doesNotContainNull();
        assertThat(more.get(2)).isNull();

        trials.get(2).answered();
        more.subList(0, 2).forEach(HostBreakers.Call::answered);
        assertThat(breakers.stateOf("down")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void the_key_is_the_lower_case_host_with_a_port_that_is_not_the_default() {
        assertThat(HostBreakers.keyOf("https://Images.Example.COM/a.png")).isEqualTo("images.example.com");
        assertThat(HostBreakers.keyOf("http://example.com:80/a.png")).isEqualTo("example.com");
        assertThat(HostBreakers.keyOf("https://example.com:8443/a.png")).isEqualTo("example.com:8443");
        assertThat(HostBreakers.keyOf("http://127.0.0.1:5000/a.png")).isEqualTo("127.0.0.1:5000");
    }

    private double held() {
        return meters.get("picflow.downloads.fetches.held").gauge().value();
    }

    /** The status of the {@code download-hosts} entry of the {@code breakers} health component. */
    private String healthEntry() {
        JsonNode health = json.readTree(ApiClient.onPort(port).get("/actuator/health", null).body());
        return health.path("components").path("breakers").path("components").path("download-hosts").path("status").asString();
    }

    private String request(MockWebServer server, String path) {
        HttpResponse<String> response = ApiClient.onPort(port).postJson("/api/downloads", TestTokens.user("alice"),
                "{\"url\":\"" + server.url(path) + "\"}");
        assertThat(response.statusCode()).isEqualTo(202);
        return json.readTree(response.body()).get("downloadId").asString();
    }

    private int control(String downloadId, String action) {
        return ApiClient.onPort(port).send("POST", "/api/downloads/" + downloadId + "/" + action, TestTokens.user("alice"),
                java.net.http.HttpRequest.BodyPublishers.noBody()).statusCode();
    }

    private void awaitEvent(String downloadId, String type) {
        await().atMost(Duration.ofSeconds(30)).until(() -> types(downloadId).contains(type));
    }

    private List<String> types(String downloadId) {
        return jdbc.sql("SELECT payload_type FROM domain_event_entry WHERE aggregate_identifier = :id ORDER BY sequence_number")
                .param("id", downloadId).query(String.class).list().stream()
                .map(type -> type.substring(type.lastIndexOf('.') + 1)).toList();
    }

    private long count(String downloadId, String type) {
        return types(downloadId).stream().filter(type::equals).count();
    }

    private int attemptOf(String downloadId) {
        return latestPayload(downloadId, "ImageFetchStarted").get("attempt").asInt();
    }

    private String errorCodeOf(String downloadId) {
        return latestPayload(downloadId, "ImageDownloadFailed").get("errorCode").asString();
    }

    private JsonNode latestPayload(String downloadId, String type) {
        String payload = jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = :id "
                        + "AND payload_type = :type ORDER BY sequence_number DESC LIMIT 1")
                .param("id", downloadId).param("type", "io.picflow.events.downloads." + type).query(String.class).single();
        return json.readTree(payload);
    }
}
