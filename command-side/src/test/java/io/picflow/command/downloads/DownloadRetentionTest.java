package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Retention of downloads against the real PostgreSQL and real HTTP: paused and failed downloads expire after
 * {@code retention.unfinished} (cancelled with reason EXPIRED, partial file deleted, quota freed), and not a moment
 * before (resume, retry and the quota keep working); finished rows of completed and cancelled downloads go after
 * {@code retention.finished}, failed ones stay while they may be retried. Time passes by ageing the rows.
 */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DownloadRetentionTest {

    private static MockWebServer server;
    private static Path storage;

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    DownloadRetention.Runner retention;
    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void startServer() throws Exception {
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getUrl().encodedPath().startsWith("/missing")) {
                    return new MockResponse.Builder().code(404).build();
                }
                // Trickles for a minute: the download stays unfinished until the test pauses or cancels it.
                return new MockResponse.Builder().setHeader("Content-Type", "image/png").body(new Buffer().write(new byte[600]))
                        .throttleBody(10, 1, TimeUnit.SECONDS).build();
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
        storage = Files.createTempDirectory("picflow-retention");
        registry.add("picflow.downloads.storage-dir", storage::toString);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
        registry.add("picflow.downloads.max-active-per-user", () -> "2");
    }

    @Test
    void a_download_paused_for_longer_than_the_retention_expires_and_one_paused_for_less_can_still_be_resumed() {
        String token = TestTokens.user("pauser");
        String young = pausedDownload(token, "/slow/young");
        String old = pausedDownload(token, "/slow/old");
        assertThat(post(token, "/slow/third").statusCode()).as("two unfinished downloads fill the quota").isEqualTo(429);
        age("idle_download", "idle_since", young, "29 days");
        age("idle_download", "idle_since", old, "31 days");
        double before = removed("unfinished_download");

        retention.run();

        assertThat(lastEventOf(old)).contains("ImageDownloadCancelled").contains("\"reason\":\"EXPIRED\"").contains("\"cancelledBy\":\"picflow\"");
        assertThat(removed("unfinished_download")).isEqualTo(before + 1);
        assertThat(count("active_download", old) + count("finished_download", old) + count("idle_download", old)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(partialFile(old)));
        assertThat(control(token, old, "resume").statusCode()).isEqualTo(409);

        assertThat(lastEventOf(young)).contains("ImageDownloadPaused");
        assertThat(control(token, young, "resume").statusCode()).isEqualTo(202);
        assertThat(count("idle_download", young)).isZero();
        assertThat(post(token, "/slow/fourth").statusCode()).as("the expired download freed its place").isEqualTo(202);
    }

    @Test
    void a_failed_download_can_be_retried_until_it_expires_and_its_finished_row_outlives_the_finished_retention() {
        String token = TestTokens.user("failer");
        String recent = failedDownload(token, "/missing/recent");
        String ancient = failedDownload(token, "/missing/ancient");
        age("finished_download", "finished_at", recent, "8 days");
        age("idle_download", "idle_since", recent, "8 days");
        age("finished_download", "finished_at", ancient, "31 days");
        age("idle_download", "idle_since", ancient, "31 days");

        retention.run();

        assertThat(lastEventOf(ancient)).contains("\"reason\":\"EXPIRED\"");
        assertThat(control(token, ancient, "retry").statusCode()).isEqualTo(409);
        assertThat(count("finished_download", recent)).as("failed rows stay while the download may be retried").isOne();
        assertThat(control(token, recent, "retry").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("active_download", recent) + count("finished_download", recent) == 1);
    }

    @Test
    void finished_rows_of_completed_and_cancelled_downloads_go_after_the_finished_retention() {
        String token = TestTokens.user("canceller");
        String old = cancelledDownload(token, "/slow/cancel-old");
        String recent = cancelledDownload(token, "/slow/cancel-recent");
        jdbc.sql("INSERT INTO finished_download (download_id, user_id, outcome, finished_at) "
                + "VALUES ('completed-long-ago', 'canceller', 'COMPLETED', now() - interval '8 days')").update();
        age("finished_download", "finished_at", old, "8 days");
        age("finished_download", "finished_at", recent, "6 days");
        double before = removed("finished_download");

        retention.run();

        assertThat(count("finished_download", old)).isZero();
        assertThat(count("finished_download", "completed-long-ago")).isZero();
        assertThat(count("finished_download", recent)).isOne();
        assertThat(removed("finished_download")).isGreaterThanOrEqualTo(before + 2);
    }

    private String pausedDownload(String token, String path) {
        String id = accepted(token, path);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(partialFile(id)));
        assertThat(control(token, id, "pause").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("idle_download", id) == 1);
        return id;
    }

    private String failedDownload(String token, String path) {
        String id = accepted(token, path);
        await().atMost(Duration.ofSeconds(20)).until(() -> count("idle_download", id) == 1);
        assertThat(jdbc.sql("SELECT outcome FROM finished_download WHERE download_id = ?").param(id).query(String.class).single())
                .isEqualTo("FAILED");
        return id;
    }

    private String cancelledDownload(String token, String path) {
        String id = accepted(token, path);
        assertThat(control(token, id, "cancel").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("finished_download", id) == 1);
        return id;
    }

    private String accepted(String token, String path) {
        HttpResponse<String> response = post(token, path);
        assertThat(response.statusCode()).isEqualTo(202);
        String location = response.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private HttpResponse<String> post(String token, String path) {
        return ApiClient.onPort(port).postJson("/api/downloads", token, "{\"url\":\"" + server.url(path) + "\"}");
    }

    private HttpResponse<String> control(String token, String downloadId, String action) {
        return ApiClient.onPort(port).send("POST", "/api/downloads/" + downloadId + "/" + action, token,
                HttpRequest.BodyPublishers.noBody());
    }

    private void age(String table, String column, String downloadId, String interval) {
        int updated = jdbc.sql("UPDATE " + table + " SET " + column + " = now() - interval '" + interval + "' WHERE download_id = ?")
                .param(downloadId).update();
        assertThat(updated).as(table + " row of " + downloadId).isOne();
    }

    private long count(String table, String downloadId) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE download_id = ?").param(downloadId).query(Long.class).single();
    }

    private String lastEventOf(String downloadId) {
        List<String> events = jdbc.sql("SELECT payload_type || ' ' || convert_from(payload, 'UTF8') FROM domain_event_entry "
                        + "WHERE aggregate_identifier = ? ORDER BY sequence_number DESC LIMIT 1")
                .param(downloadId).query(String.class).list();
        return events.isEmpty() ? "" : events.get(0);
    }

    private double removed(String item) {
        var counter = meters.find("picflow.retention.removed").tag("item", item).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Path partialFile(String downloadId) {
        return storage.resolve("partial").resolve(downloadId + ".f1.part"); // its first fetch's own file
    }
}
