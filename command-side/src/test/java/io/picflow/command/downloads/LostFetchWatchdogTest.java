package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.CommandSideApplication;
import io.picflow.command.downloads.fetch.FetchWorker;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The watchdog is the backstop when nothing else knows a fetch: the worker drops it without a word (as a node that
 * died before publishing it would) and its heartbeat row is gone. The watchdog's first look, after
 * {@code heartbeat-stale-after}, finds nobody working on it, expires it, and the retry completes the download.
 */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LostFetchWatchdogTest {

    private static MockWebServer server;
    private static final AtomicInteger requests = new AtomicInteger();

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    FetchWorker worker;

    @BeforeAll
    static void startServer() throws Exception {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                MockResponse.Builder response = new MockResponse.Builder().setHeader("Content-Type", "image/png")
                        .body(new Buffer().write(png.toByteArray()));
                // The first fetch trickles (it is the one that gets lost); the retry gets the image at once.
                return requests.incrementAndGet() == 1 ? response.throttleBody(16, 1, TimeUnit.SECONDS).build() : response.build();
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        String storage = Files.createTempDirectory("picflow-watchdog").toString();
        registry.add("picflow.downloads.storage-dir", () -> storage);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
        registry.add("picflow.downloads.retry.base-delay", () -> "100ms");
        registry.add("picflow.downloads.heartbeat-interval", () -> "1s");
        registry.add("picflow.downloads.heartbeat-stale-after", () -> "3s");
    }

    @Test
    void a_fetch_nobody_has_is_expired_by_its_watchdog_and_retried_to_completion() {
        HttpResponse<String> accepted = ApiClient.onPort(port).postJson("/api/downloads", TestTokens.user("watched"),
                "{\"url\":\"" + server.url("/lost.png") + "\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        String downloadId = location.substring(location.lastIndexOf('/') + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.get() == 1);

        worker.pause(downloadId, Integer.MAX_VALUE); // the worker forgets the fetch and reports nothing, like a process that died
        jdbc.sql("DELETE FROM fetch_heartbeat WHERE download_id = ?").param(downloadId).update();

        await().atMost(Duration.ofSeconds(30)).until(() -> eventsOf(downloadId).contains("ImageDownloadCompleted"));
        assertThat(eventsOf(downloadId)).containsSubsequence("ImageFetchStarted", "ImageDownloadRetryScheduled",
                "ImageFetchStarted", "ImageDownloadCompleted");
        assertThat(jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = ? "
                        + "AND payload_type LIKE '%RetryScheduled'").param(downloadId).query(String.class).single())
                .contains("WORKER_LOST");
    }

    private List<String> eventsOf(String downloadId) {
        return jdbc.sql("SELECT substring(payload_type from '[^.]+$') FROM domain_event_entry WHERE aggregate_identifier = ? "
                + "ORDER BY sequence_number").param(downloadId).query(String.class).list();
    }
}
