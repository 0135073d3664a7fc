package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.CommandSideApplication;
import io.picflow.command.downloads.fetch.TestImages;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Whole downloads, from POST to stored image, through the real process manager, worker, deadlines
 * (db-scheduler on PostgreSQL) and a real local HTTP server. Private addresses are allowed here:
 * the image server is on 127.0.0.1.
 */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DownloadLifecycleTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final byte[] PNG = TestImages.png(800, 600);
    private static final AtomicInteger flakyCalls = new AtomicInteger();
    private static final byte[] BIG = TestImages.noisyPng(300, 300, 42);
    private static MockWebServer images;
    private static Path storage;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void startImageServer() throws Exception {
        images = new MockWebServer();
        images.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return switch (request.getUrl().encodedPath()) {
                    case "/cat.png", "/same-cat.png" -> image(PNG, "image/png");
                    case "/photo.jpg" -> image(TestImages.jpeg(1024, 768), "text/plain"); // the header lies; the bytes decide
                    case "/flaky.gif" -> flakyCalls.incrementAndGet() == 1
                            ? new MockResponse.Builder().code(503).setHeader("Retry-After", "1").build()
                            : image(TestImages.gif(64, 64), "image/gif");
                    case "/slow.png", "/slow-cancel.png" -> rangeAware(request, BIG);
                    case "/page.html" -> new MockResponse.Builder().setHeader("Content-Type", "image/png")
                            .body("<!DOCTYPE html><html><body>Sorry</body></html>").build();
                    default -> new MockResponse.Builder().code(404).build();
                };
            }
        });
        images.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterAll
    static void stopImageServer() throws Exception {
        images.close();
    }

    /** Serves a slice for a Range request whose If-Range matches the ETag, like a real server; trickles the body. */
    private static MockResponse rangeAware(RecordedRequest request, byte[] bytes) {
        String etag = "\"big-v1\"";
        String range = request.getHeaders().get("Range");
        MockResponse.Builder response = new MockResponse.Builder().setHeader("Content-Type", "image/png").setHeader("ETag", etag)
                .throttleBody(32 * 1024, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (range != null && etag.equals(request.getHeaders().get("If-Range"))) {
            int from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            return response.code(206).setHeader("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length)
                    .body(new Buffer().write(java.util.Arrays.copyOfRange(bytes, from, bytes.length))).build();
        }
        return response.body(new Buffer().write(bytes)).build();
    }

    private static MockResponse image(byte[] bytes, String contentType) {
        return new MockResponse.Builder().setHeader("Content-Type", contentType).setHeader("ETag", "\"" + bytes.length + "\"")
                .body(new Buffer().write(bytes)).build();
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        storage = Files.createTempDirectory("picflow-images");
        registry.add("picflow.downloads.storage-dir", storage::toString);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
        registry.add("picflow.downloads.retry.base-delay", () -> "100ms");
        // Snapshot after a few events, so that the lifecycle runs on aggregates loaded from snapshots.
        registry.add("picflow.downloads.snapshot-threshold", () -> "3");
        // No fallback polls: every step must be woken by the commit before it (requests with and without an
        // Idempotency-Key, batches of worker reports), and every deadline (retries) by its own timer, or the awaits
        // below run out.
        registry.add("picflow.axon.event-poll-interval", () -> "1h");
        registry.add("db-scheduler.polling-interval", () -> "1h");
    }

    @Test
    void a_download_goes_from_request_to_a_stored_image_with_one_correlation_id() {
        String id = request("/cat.png", "life-1");

        List<String> types = awaitEvents(id, "ImageDownloadCompleted");

        assertThat(types).startsWith("ImageDownloadRequested", "ImageFetchStarted")
                .endsWith("ImageFetched", "ImageValidated", "ImageProcessed", "ImageStored", "ImageDownloadCompleted");
        assertThat(jdbc.sql("SELECT DISTINCT convert_from(meta_data, 'UTF8')::json->>'correlationId' FROM domain_event_entry "
                + "WHERE aggregate_identifier = :id").param("id", id).query(String.class).list()).containsExactly("life-1");
        String sha = payloadOf(id, "ImageStored").get("sha256").toString();
        assertThat(storage.resolve("images").resolve(sha.substring(0, 2)).resolve(sha)).hasBinaryContent(PNG);
        assertThat(storage.resolve("thumbnails").resolve(sha.substring(0, 2)).resolve(sha + ".png")).exists();
        assertThat(partialFilesOf(id)).isEmpty();
        // The aggregate was snapshotted on the way (threshold 3) and loaded from its snapshot: Jackson round-trips it.
        assertThat(jdbc.sql("SELECT count(*) FROM snapshot_event_entry WHERE aggregate_identifier = :id")
                .param("id", id).query(Long.class).single()).isPositive();
    }

    @Test
    void the_format_comes_from_the_bytes_not_the_content_type() {
        String id = request("/photo.jpg", "life-2");
        awaitEvents(id, "ImageDownloadCompleted");
        Map<String, Object> validated = payloadOf(id, "ImageValidated");
        assertThat(validated).containsEntry("format", "JPEG").containsEntry("width", 1024).containsEntry("height", 768);
    }

    @Test
    void a_transient_server_error_is_retried_after_a_persisted_deadline() {
        String id = request("/flaky.gif", "life-3");
        List<String> types = awaitEvents(id, "ImageDownloadCompleted");
        assertThat(types).contains("ImageDownloadRetryScheduled");
        assertThat(types.stream().filter("ImageFetchStarted"::equals)).hasSize(2);
    }

    @Test
    void an_html_page_fails_at_once_with_a_clear_code() {
        String id = request("/page.html", "life-4");
        awaitEvents(id, "ImageDownloadFailed");
        assertThat(payloadOf(id, "ImageDownloadFailed")).containsEntry("errorCode", "UNSUPPORTED_FORMAT")
                .containsEntry("retryable", false);
    }

    @Test
    void identical_bytes_from_two_urls_share_one_image() {
        String first = request("/cat.png", "life-5");
        String second = request("/same-cat.png", "life-6");
        awaitEvents(first, "ImageDownloadCompleted");
        awaitEvents(second, "ImageDownloadCompleted");
        assertThat(payloadOf(first, "ImageStored").get("imageId")).isEqualTo(payloadOf(second, "ImageStored").get("imageId"));
    }

    @Test
    void pause_keeps_the_partial_file_and_resume_continues_it_with_a_range_request() {
        String id = request("/slow.png", "life-7");
        awaitEvents(id, "ImageFetchProgressed");
        assertThat(control(id, "pause", TestTokens.user("alice")).statusCode()).isEqualTo(202);
        awaitEvents(id, "ImageDownloadPaused");
        Path part = storage.resolve("partial").resolve(id + ".f1.part"); // fetch 1's own file
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(part) && Files.size(part) > 0);

        assertThat(control(id, "resume", TestTokens.user("alice")).statusCode()).isEqualTo(202);
        awaitEvents(id, "ImageDownloadCompleted");

        Map<String, Object> resumed = payloadOf(id, "ImageFetchStarted");
        assertThat(((Number) resumed.get("resumeFrom")).longValue()).isPositive();
        String sha = payloadOf(id, "ImageStored").get("sha256").toString();
        assertThat(storage.resolve("images").resolve(sha.substring(0, 2)).resolve(sha)).hasBinaryContent(BIG);
    }

    @Test
    void cancel_stops_the_transfer_and_deletes_the_partial_data() {
        String id = request("/slow-cancel.png", "life-8");
        awaitEvents(id, "ImageFetchProgressed");
        assertThat(control(id, "cancel", TestTokens.user("alice")).statusCode()).isEqualTo(202);
        awaitEvents(id, "ImageDownloadCancelled");
        await().atMost(Duration.ofSeconds(10)).until(() -> partialFilesOf(id).isEmpty());
        // Cancel is final: a resume is refused, a repeated cancel changes nothing.
        HttpResponse<String> resume = control(id, "resume", TestTokens.user("alice"));
        assertThat(resume.statusCode()).isEqualTo(409);
        assertThat(resume.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(control(id, "cancel", TestTokens.user("alice")).statusCode()).isEqualTo(202);
    }

    @Test
    void controls_answer_404_for_unknown_or_foreign_downloads_and_409_for_impossible_transitions() {
        String id = request("/cat.png", "life-9");
        awaitEvents(id, "ImageDownloadCompleted");
        assertThat(control(id, "pause", TestTokens.user("mallory")).statusCode()).isEqualTo(404);
        assertThat(control("no-such-download", "pause", TestTokens.user("alice")).statusCode()).isEqualTo(404);
        assertThat(control(id, "pause", TestTokens.user("alice")).statusCode()).isEqualTo(409);
        assertThat(control(id, "retry", TestTokens.user("alice")).statusCode()).isEqualTo(409);
    }

    @Test
    void a_failed_download_can_be_retried() {
        String id = request("/page.html", "life-10");
        awaitEvents(id, "ImageDownloadFailed");
        assertThat(control(id, "retry", TestTokens.user("alice")).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> types(id).stream().filter("ImageDownloadFailed"::equals).count() == 2);
        assertThat(types(id)).contains("ImageDownloadRetryScheduled");
    }

    private HttpResponse<String> control(String downloadId, String action, String token) {
        return ApiClient.onPort(port).send("POST", "/api/downloads/" + downloadId + "/" + action, token,
                java.net.http.HttpRequest.BodyPublishers.noBody());
    }

    private String request(String path, String correlationId) {
        HttpResponse<String> response = ApiClient.onPort(port).postJson("/api/downloads", TestTokens.user("alice"),
                "{\"url\":\"" + images.url(path) + "\"}", "X-Correlation-Id", correlationId);
        assertThat(response.statusCode()).isEqualTo(202);
        return json.readTree(response.body()).get("downloadId").asString();
    }

    private List<String> awaitEvents(String downloadId, String last) {
        await().atMost(Duration.ofSeconds(30)).until(() -> types(downloadId).contains(last));
        return types(downloadId);
    }

    private List<String> types(String downloadId) {
        return jdbc.sql("SELECT payload_type FROM domain_event_entry WHERE aggregate_identifier = :id ORDER BY sequence_number")
                .param("id", downloadId).query(String.class).list().stream()
                .map(type -> type.substring(type.lastIndexOf('.') + 1)).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> payloadOf(String downloadId, String type) {
        String payload = jdbc.sql("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = :id "
                        + "AND payload_type = :type ORDER BY sequence_number DESC LIMIT 1")
                .param("id", downloadId).param("type", "io.picflow.events.downloads." + type).query(String.class).single();
        return json.readValue(payload, Map.class);
    }

    /** The download's files in the partial directory, whatever fetch wrote them. */
    private static List<String> partialFilesOf(String downloadId) {
        Path directory = storage.resolve("partial");
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (var files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith(downloadId + ".")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
