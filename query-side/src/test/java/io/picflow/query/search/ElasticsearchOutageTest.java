package io.picflow.query.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.ElasticsearchDistribution;
import io.picflow.devservices.ElasticsearchServer;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageStored;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.query.QuerySideApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Elasticsearch really stopped and started again, or frozen and thawed (a node of its own, not the shared one):
 * search answers 503 (quickly, even from a frozen node), the rest of the service keeps working, nothing is
 * dead-lettered, and the index catches up.
 */
@SpringBootTest(classes = QuerySideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ElasticsearchOutageTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ElasticsearchOutageTest.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Path HOME = ElasticsearchDistribution.pinned()
            .unpackedInto(Path.of(System.getProperty("user.home"), ".cache", "picflow"));
    private static final Path INSTANCE = Path.of("target", "test-services", "elasticsearch-outage-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    private static final int PORT = freePort();
    private static ElasticsearchServer elasticsearch = start();

    @LocalServerPort
    int port;

    @Autowired
    EventStore eventStore;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry meters;

    /** The pid of the node while it is frozen (SIGSTOP), so that it is always thawed. */
    private static volatile Long frozen;

    /** Requests whose time is measured: a hung answer fails the test rather than waiting ApiClient's 30 s. */
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        registry.add("picflow.elasticsearch.url", elasticsearch::url);
        // Trial calls soon after Elasticsearch is back, rather than after the default 30 s; and indexing that gives up
        // on a frozen node well within the freeze, rather than after the default 10 s.
        registry.add("picflow.breakers.wait-in-open", () -> "5s");
        registry.add("picflow.elasticsearch.socket-timeout", () -> "2s");
    }

    @AfterAll
    static void stop() {
        if (frozen != null) {
            signal("CONT", frozen);
        }
        elasticsearch.close();
    }

    @Test
    void while_elasticsearch_is_down_search_is_503_the_rest_works_and_afterwards_the_index_catches_up() {
        ApiClient api = ApiClient.onPort(port);
        String token = TestTokens.user("watcher");
        String before = stored("before-outage.png");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> api.get("/api/images?q=before", token).body().contains(before));

        elasticsearch.close();
        var unavailable = api.get("/api/images?q=before", token);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(unavailable.body()).contains("Search is unavailable");

        String during = stored("during-outage.png");
        String downloadId = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", downloadId, 0,
                new ImageDownloadRequested(downloadId, "https://example.com/x.png", null, List.of(), "watcher"),
                Map.of(MetadataKeys.CORRELATION_ID, "outage"), UUID.randomUUID().toString(), Instant.now()));
        assertThat(api.get("/api/downloads/" + downloadId, token).statusCode()).isEqualTo(200); // other read models go on
        await().atMost(Duration.ofSeconds(15)).until(() -> api.get("/api/images/" + during, token).statusCode() == 200);

        elasticsearch = start();
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> api.get("/api/images?q=during", token).body().contains(during));
        assertThat(api.get("/api/images?q=outage", token).body()).contains(before).contains(during);
        assertThat(jdbc.sql("SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'image-search'")
                .query(Long.class).single()).isZero();
    }

    /**
     * A frozen node (SIGSTOP) still accepts connections but never answers: search and health answer within their
     * bounds, then the circuit breaker opens and they answer at once; an image stored meanwhile is searchable once
     * the node is thawed.
     */
    @Test
    void while_elasticsearch_is_frozen_search_and_health_answer_quickly_and_afterwards_nothing_is_lost() {
        ApiClient api = ApiClient.onPort(port);
        String token = TestTokens.user("watcher");
        String before = stored("before-freeze.png");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> api.get("/api/images?q=before", token).body().contains(before));

        long pid = elasticsearchPid();
        signal("STOP", pid);
        frozen = pid;
        String during;
        try {
            Timed search = timed("/api/images?q=before", token);
            log.info("Search with Elasticsearch frozen (breaker closed): {} in {} ms", search.response().statusCode(), search.millis());
            assertThat(search.response().statusCode()).isEqualTo(503);
            assertThat(search.response().headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(search.response().headers().firstValue("Retry-After")).isPresent();
            assertThat(search.response().body()).contains("Search is unavailable");
            assertThat(search.millis()).isLessThan(2_000);

            Timed health = timed("/actuator/health", null);
            log.info("Health with Elasticsearch frozen (breaker closed): {} in {} ms", health.response().statusCode(), health.millis());
            assertThat(health.millis()).isLessThan(2_000);
            assertThat(health.response().statusCode()).isEqualTo(503); // elasticsearch DOWN is the service's DOWN
            assertThat(component(health, "elasticsearch")).isEqualTo("DOWN");

            double attempts = indexingAttempts();
            during = stored("during-freeze.png");

            // Searches that time out open the breaker (half of the last 20 calls failed, 10 at least).
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO).until(() -> {
                List<Timed> burst = burstOfSearches(token, 10);
                assertThat(burst).allSatisfy(timed -> {
                    assertThat(timed.response().statusCode()).isEqualTo(503);
                    assertThat(timed.millis()).isLessThan(2_000);
                });
                return "OPEN".equals(breaker(timed("/actuator/health", null)));
            });

            Timed refused = timed("/api/images?q=before", token);
            log.info("Search with the breaker open: {} in {} ms, Retry-After {}", refused.response().statusCode(), refused.millis(),
                    refused.response().headers().firstValue("Retry-After").orElse("-"));
            assertThat(refused.response().statusCode()).isEqualTo(503);
            assertThat(refused.response().headers().firstValue("Retry-After")).hasValueSatisfying(
                    seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 5));
            assertThat(refused.millis()).isLessThan(2_000);
            Timed downAtOnce = timed("/actuator/health", null);
            log.info("Health with the breaker open: {} in {} ms", downAtOnce.response().statusCode(), downAtOnce.millis());
            assertThat(downAtOnce.millis()).isLessThan(2_000);
            assertThat(component(downAtOnce, "elasticsearch")).isEqualTo("DOWN");
            assertThat(api.get("/api/images/" + during, token).statusCode()).isEqualTo(200); // PostgreSQL read models go on

            // The search index's batch with the image failed (its bulk request gave up) and the processor tried it again.
            await().atMost(Duration.ofSeconds(30)).until(() -> indexingAttempts() >= attempts + 2);
        } finally {
            signal("CONT", pid);
            frozen = null;
        }

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> api.get("/api/images?q=during", token).body().contains(during));
        assertThat(api.get("/api/images?q=freeze", token).body()).contains(before).contains(during);
        await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(component(timed("/actuator/health", null), "elasticsearch")));
        assertThat(jdbc.sql("SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'image-search'")
                .query(Long.class).single()).isZero();
    }

    /** Events the search index's processor has handled, counting each attempt at a batch. */
    private double indexingAttempts() {
        return meters.get("picflow.projections.events").tag("group", ImageSearchProjection.PROCESSING_GROUP).counter().count();
    }

    private record Timed(HttpResponse<String> response, long millis) {
    }

    private Timed timed(String path, String token) {
        long start = System.nanoTime();
        HttpResponse<String> response = http.sendAsync(request(path, token), HttpResponse.BodyHandlers.ofString()).join();
        return new Timed(response, (System.nanoTime() - start) / 1_000_000);
    }

    /** {@code count} searches sent at once, each timed from when it was sent. */
    private List<Timed> burstOfSearches(String token, int count) {
        List<CompletableFuture<Timed>> burst = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            burst.add(http.sendAsync(request("/api/images?q=burst" + i, token), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> new Timed(response, (System.nanoTime() - start) / 1_000_000)));
        }
        return burst.stream().map(CompletableFuture::join).toList();
    }

    private HttpRequest request(String path, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.GET().build();
    }

    private static String component(Timed health, String name) {
        return JSON.readTree(health.response().body()).path("components").path(name).path("status").asString();
    }

    private static String breaker(Timed health) {
        return JSON.readTree(health.response().body()).path("components").path("breakers").path("components")
                .path("elasticsearch").path("status").asString();
    }

    /** The node's own process (the pid file is written by it, not by the launcher script it was started with). */
    private static long elasticsearchPid() {
        try {
            long pid = Long.parseLong(Files.readString(INSTANCE.resolve("elasticsearch.pid")).trim());
            assertThat(ProcessHandle.of(pid)).as("Elasticsearch process %d", pid).isPresent();
            return pid;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).as("kill -%s %d", signal, pid).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String stored(String fileName) {
        String imageId = UUID.randomUUID().toString().replace("-", "").repeat(2);
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", UUID.randomUUID().toString(), 0,
                new ImageStored(UUID.randomUUID().toString(), imageId, imageId, 10, "PNG", "image/png", 1, 1, "https://example.com/" + fileName,
                        fileName, List.of("outage"), "watcher"),
                Map.of(MetadataKeys.CORRELATION_ID, "outage"), UUID.randomUUID().toString(), Instant.now()));
        return imageId;
    }

    private static ElasticsearchServer start() {
        return ElasticsearchServer.launch(HOME, INSTANCE, PORT, 384).awaitReady(Duration.ofMinutes(2));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
