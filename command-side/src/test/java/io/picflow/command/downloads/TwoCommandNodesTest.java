package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.transaction.support.TransactionTemplate;
import static org.awaitility.Awaitility.await;

import io.picflow.command.downloads.fetch.DownloadFetchWorker;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two command nodes on one PostgreSQL. Both take pause and resume of the same download while its fetch reports
 * progress: every lost optimistic-concurrency race is retried, and an answer is a 202 or a 409 (a transition the
 * download's state does not allow, or a race lost too often), never a 500. And an event one node appends reaches the
 * other at once by LISTEN/NOTIFY: their fallback poll is an hour here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoCommandNodesTest {

    private static MockWebServer server;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // Progress all the time: reports race the controls on the aggregate.
                return new MockResponse.Builder().body(new Buffer().write(new byte[2_000_000]))
                        .throttleBody(4096, 5, TimeUnit.MILLISECONDS).build();
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        Map<String, String> properties = new java.util.HashMap<>(TestServices.applicationProperties(false));
        properties.put("picflow.downloads.storage-dir", Files.createTempDirectory("picflow-race").toString());
        properties.put("picflow.downloads.allow-private-addresses", "true");
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        // Only a NOTIFY can tell a node of the other's appends in time.
        properties.put("picflow.axon.event-poll-interval", "1h");
        // As command-line arguments: they override the defaults in the properties files, as in a deployment.
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        first = new SpringApplicationBuilder(CommandSideApplication.class).run(arguments);
        second = new SpringApplicationBuilder(CommandSideApplication.class).run(arguments);
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
        server.close();
    }

    @Test
    @Order(2)
    void controls_racing_on_two_nodes_answer_202_or_409_never_500() throws Exception {
        String token = TestTokens.user("racer");
        HttpResponse<String> accepted = api(first).postJson("/api/downloads", token, "{\"url\":\"" + server.url("/big.png") + "\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();

        int threads = 8;
        int rounds = 15;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ConfigurableApplicationContext node = t % 2 == 0 ? first : second;
            String action = t % 4 < 2 ? "pause" : "resume";
            running.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < rounds; i++) {
                    HttpResponse<String> answer = api(node).send("POST", location + "/" + action, token,
                            HttpRequest.BodyPublishers.noBody());
                    statuses.computeIfAbsent(answer.statusCode(), code -> new AtomicInteger()).incrementAndGet();
                    if (answer.statusCode() != 202 && answer.statusCode() != 409) {
                        failures.add(answer.statusCode() + " " + answer.body());
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : running) {
            future.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertThat(failures).as("statuses " + statuses).isEmpty();
        assertThat(statuses.get(202)).as("statuses " + statuses).isNotNull();
    }

    @Test
    @Order(1) // while nothing else happens: an append of the second node's own would wake it too
    void an_event_appended_on_one_node_reaches_the_other_by_notification_not_by_its_poll() throws Exception {
        EventStore firstStore = first.getBean(EventStore.class);
        EventStore secondStore = second.getBean(EventStore.class);
        // Make sure the second node's producer is idle, waiting out its hour, before the append.
        try (BlockingStream<TrackedEventMessage<?>> stream = secondStore.openStream(secondStore.createHeadToken())) {
            assertThat(stream.hasNextAvailable(300, TimeUnit.MILLISECONDS)).isFalse();
            String marker = "wake-up-" + UUID.randomUUID();
            long appendedAt = System.nanoTime();
            first.getBean(TransactionTemplate.class).executeWithoutResult(status ->
                    firstStore.publish(GenericEventMessage.asEventMessage(marker)));

            assertThat(stream.hasNextAvailable(10, TimeUnit.SECONDS)).as("the other node's append within 10 s").isTrue();
            assertThat(stream.nextAvailable().getPayload()).isEqualTo(marker);
            assertThat(Duration.ofNanos(System.nanoTime() - appendedAt)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    @Order(3)
    void a_pause_handled_on_the_node_without_the_fetch_stops_it_on_the_node_that_runs_it() {
        String token = TestTokens.user("stopper");
        HttpResponse<String> accepted = api(first).postJson("/api/downloads", token, "{\"url\":\"" + server.url("/far.png") + "\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        String downloadId = location.substring(location.lastIndexOf('/') + 1);
        DownloadFetchWorker firstWorker = first.getBean(DownloadFetchWorker.class);
        DownloadFetchWorker secondWorker = second.getBean(DownloadFetchWorker.class);
        // The fetch runs where the process manager's segment is: find out which node that is.
        await().atMost(Duration.ofSeconds(20)).until(() -> firstWorker.hasFetch(downloadId) || secondWorker.hasFetch(downloadId));
        boolean onFirst = firstWorker.hasFetch(downloadId);
        DownloadFetchWorker runner = onFirst ? firstWorker : secondWorker;
        ConfigurableApplicationContext other = onFirst ? second : first;

        // As the process manager would on ImageDownloadPaused, had the other node handled it: in its transaction.
        other.getBean(TransactionTemplate.class).executeWithoutResult(status ->
                other.getBean(DownloadFetchWorker.class).pause(downloadId, 1));

        await().atMost(Duration.ofSeconds(5)).until(() -> !runner.hasFetch(downloadId));
    }

    private static ApiClient api(ConfigurableApplicationContext node) {
        return ApiClient.onPort(((WebServerApplicationContext) node).getWebServer().getPort());
    }
}
