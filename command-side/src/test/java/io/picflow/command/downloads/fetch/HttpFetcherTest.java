package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against a real local HTTP server, including servers that misbehave. */
class HttpFetcherTest {

    @TempDir
    Path storage;

    private MockWebServer server;
    private final List<Long> progress = new ArrayList<>();
    private final ExecutorService resolver = Executors.newCachedThreadPool();

    @BeforeEach
    void startServer() throws Exception {
        server = new MockWebServer();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
        resolver.shutdownNow();
    }

    @Test
    void streams_the_body_to_a_file_and_hashes_it() throws Exception {
        byte[] png = TestImages.png(300, 200);
        server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "image/png").body(new Buffer().write(png)).build());

        HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/a.png"), partial("d1"), this::progress,
                new HttpFetcher.Cancellation());

        assertThat(Files.readAllBytes(fetched.file())).isEqualTo(png);
        assertThat(fetched.bytes()).isEqualTo(png.length);
        assertThat(fetched.sha256()).isEqualTo(sha256(png));
        assertThat(fetched.contentType()).isEqualTo("image/png");
        assertThat(progress).isNotEmpty().last().isEqualTo((long) png.length);
    }

    @Test
    void a_too_large_content_length_is_refused_before_reading() {
        // The header is set after the body, which would otherwise replace it with the true length.
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(new byte[10]))
                .setHeader("Content-Length", 50_000_000L).onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build());
        assertFailure("/huge", 1_000_000, "TOO_LARGE", false);
        assertThat(progress).isEmpty();
    }

    @Test
    void a_body_without_length_is_cut_off_at_the_limit() {
        server.enqueue(new MockResponse.Builder().chunkedBody(new Buffer().write(new byte[300_000]), 8192).build());
        assertFailure("/chunked", 100_000, "TOO_LARGE", false);
    }

    @Test
    void server_errors_are_transient_and_retry_after_is_read() throws Exception {
        server.enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "7").build());
        FetchFailure failure = failure("/busy", 1_000_000);
        assertThat(failure.code()).isEqualTo("SERVER_ERROR");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(7));

        server.enqueue(new MockResponse.Builder().code(429).build());
        assertFailure("/slow-down", 1_000_000, "RATE_LIMITED", true);
        // The shipped client retries on connection failures, and OkHttp then also repeats a request answered with
        // 408 once, at once: only a second 408 reaches the fetcher.
        int before = server.getRequestCount();
        server.enqueue(new MockResponse.Builder().code(408).build());
        server.enqueue(new MockResponse.Builder().code(408).build());
        assertFailure("/timeout", 1_000_000, "REQUEST_TIMEOUT", true);
        assertThat(server.getRequestCount() - before).isEqualTo(2);
    }

    @Test
    void other_client_errors_are_permanent() {
        server.enqueue(new MockResponse.Builder().code(404).build());
        assertFailure("/missing", 1_000_000, "HTTP_CLIENT_ERROR", false);
    }

    @Test
    void a_redirect_loop_stops_after_the_limit() {
        for (int i = 0; i < 10; i++) {
            server.enqueue(new MockResponse.Builder().code(302).setHeader("Location", "/loop").build());
        }
        assertFailure("/loop", 1_000_000, "TOO_MANY_REDIRECTS", false);
        assertThat(server.getRequestCount()).isEqualTo(6); // the first request and 5 redirects
    }

    @Test
    void redirects_within_the_limit_are_followed() throws Exception {
        byte[] gif = TestImages.gif(10, 10);
        server.enqueue(new MockResponse.Builder().code(301).setHeader("Location", "/moved.gif").build());
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(gif)).build());
        assertThat(fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/old.gif"), partial("d2"), this::progress,
                new HttpFetcher.Cancellation()).sha256()).isEqualTo(sha256(gif));
    }

    @Test
    void a_truncated_body_is_a_transient_failure() {
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(new byte[1000]))
                .setHeader("Content-Length", 2000).onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build());
        assertFailure("/cut", 1_000_000, "TRUNCATED", true);
    }

    @Test
    void a_transfer_that_stalls_is_a_transient_failure() {
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(new byte[10_000]))
                .throttleBody(1000, 5, TimeUnit.SECONDS).build());
        assertFailure("/stall", 1_000_000, "STALLED", true);
    }

    @Test
    void a_paused_transfer_continues_with_a_range_request_and_ends_with_identical_bytes() throws Exception {
        byte[] jpeg = TestImages.jpeg(400, 300);
        int half = jpeg.length / 2;
        PartialDownload partial = partialWith("d3", java.util.Arrays.copyOf(jpeg, half), "\"v1\"", null);
        server.enqueue(rest(jpeg, half, "\"v1\""));

        HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/p.jpg"), partial, this::progress,
                new HttpFetcher.Cancellation());

        RecordedRequest request = server.takeRequest();
        assertResumed(request, half, "\"v1\"", fetched, jpeg);
    }

    @Test
    void a_paused_transfer_behind_a_redirect_continues_at_the_redirect_target_with_identical_bytes() throws Exception {
        byte[] jpeg = TestImages.jpeg(400, 300);
        int half = jpeg.length / 2;
        PartialDownload partial = partialWith("d3r", java.util.Arrays.copyOf(jpeg, half), "\"v1\"", null);
        server.enqueue(new MockResponse.Builder().code(302).setHeader("Location", "/cdn/p.jpg").build());
        server.enqueue(rest(jpeg, half, "\"v1\""));

        HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/p.jpg"), partial, this::progress,
                new HttpFetcher.Cancellation());

        server.takeRequest();
        RecordedRequest atTarget = server.takeRequest();
        assertThat(atTarget.getUrl().encodedPath()).isEqualTo("/cdn/p.jpg");
        assertResumed(atTarget, half, "\"v1\"", fetched, jpeg);
    }

    @Test
    void a_redirect_to_a_changed_resource_starts_over_with_its_bytes() throws Exception {
        byte[] old = TestImages.jpeg(400, 300);
        byte[] changed = TestImages.png(300, 200);
        PartialDownload partial = partialWith("d3c", java.util.Arrays.copyOf(old, old.length / 2), "\"v1\"", null);
        server.enqueue(new MockResponse.Builder().code(302).setHeader("Location", "/cdn/new.png").build());
        // If-Range does not match: the server sends the whole (new) resource.
        server.enqueue(new MockResponse.Builder().setHeader("ETag", "\"v2\"").body(new Buffer().write(changed)).build());

        HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/p"), partial, this::progress,
                new HttpFetcher.Cancellation());

        assertThat(Files.readAllBytes(fetched.file())).isEqualTo(changed);
        assertThat(fetched.sha256()).isEqualTo(sha256(changed));
    }

    @Test
    void a_server_that_ignores_the_range_gets_a_fresh_start_with_identical_bytes() throws Exception {
        byte[] jpeg = TestImages.jpeg(400, 300);
        PartialDownload partial = partialWith("d4", java.util.Arrays.copyOf(jpeg, 100), null, "Mon, 02 Mar 2026 10:00:00 GMT");
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(jpeg)).build());

        HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url("/p.jpg"), partial, this::progress,
                new HttpFetcher.Cancellation());

        assertThat(server.takeRequest().getHeaders().get("If-Range")).isEqualTo("Mon, 02 Mar 2026 10:00:00 GMT");
        assertThat(Files.readAllBytes(fetched.file())).isEqualTo(jpeg);
    }

    @Test
    void private_addresses_are_refused_by_default_also_behind_a_redirect_and_in_odd_notations() {
        assertThatThrownBy(() -> fetcher(AddressPolicy.publicOnly(), 1_000_000).fetch(url("/x"), partial("d5"), this::progress,
                new HttpFetcher.Cancellation()))
                .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("FORBIDDEN_ADDRESS"));
        assertThat(server.getRequestCount()).isZero();

        // A server we may reach redirects to one we may not (127.0.0.2 stands for an internal host).
        AddressPolicy only127001 = address -> address.getHostAddress().equals("127.0.0.1");
        server.enqueue(new MockResponse.Builder().code(302)
                .setHeader("Location", "http://127.0.0.2:" + server.getPort() + "/internal").build());
        assertThatThrownBy(() -> fetcher(only127001, 1_000_000).fetch(url("/redirect"), partial("d6"), this::progress,
                new HttpFetcher.Cancellation()))
                .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("FORBIDDEN_ADDRESS"));

        for (String odd : List.of("2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "2130706433.", "0x7f.0.0.1.", "127.1.")) {
            assertThatThrownBy(() -> fetcher(AddressPolicy.any(), 1_000_000).fetch(
                    "http://" + odd + ":" + server.getPort() + "/x", partial("d7"), this::progress, new HttpFetcher.Cancellation()))
                    .as(odd)
                    .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("FORBIDDEN_ADDRESS"));
        }
    }

    @Test
    void a_host_with_a_trailing_dot_is_the_host_it_names() throws Exception {
        // With private addresses allowed, "127.0.0.1." is the literal 127.0.0.1 and "localhost." resolves like localhost.
        byte[] png = TestImages.png(20, 20);
        List<String> hosts = List.of("127.0.0.1.", "localhost.");
        for (int i = 0; i < hosts.size(); i++) {
            server.enqueue(new MockResponse.Builder().body(new Buffer().write(png)).build());
            String url = "http://" + hosts.get(i) + ":" + server.getPort() + "/dot.png";
            HttpFetcher.Fetched fetched = fetcher(AddressPolicy.any(), 1_000_000).fetch(url, partial("dot" + i), this::progress,
                    new HttpFetcher.Cancellation());
            assertThat(fetched.sha256()).as(url).isEqualTo(sha256(png));
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    private void progress(long bytes, Long total) {
        progress.add(bytes);
    }

    private HttpFetcher fetcher(AddressPolicy policy, long maxBytes) {
        DownloadsProperties properties = new DownloadsProperties(storage, true, maxBytes, 0, 5, Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ofSeconds(20), Duration.ofSeconds(2), 4, 4, null, 0, 0, 0, 0, null, null);
        // The client as the worker builds it, with the policy under test.
        return new HttpFetcher(FetchClients.build(properties, policy, resolver), properties, policy);
    }

    /** A 206 with {@code whole} from byte {@code from} on, as a server that supports ranges answers a resume. */
    private static MockResponse rest(byte[] whole, int from, String etag) {
        return new MockResponse.Builder().code(206)
                .setHeader("Content-Range", "bytes " + from + "-" + (whole.length - 1) + "/" + whole.length)
                .setHeader("ETag", etag)
                .body(new Buffer().write(java.util.Arrays.copyOfRange(whole, from, whole.length))).build();
    }

    /** The request asked for the rest from {@code from}, guarded by {@code etag}, and the file is {@code whole} again. */
    private static void assertResumed(RecordedRequest request, int from, String etag, HttpFetcher.Fetched fetched, byte[] whole)
            throws Exception {
        assertThat(request.getHeaders().get("Range")).isEqualTo("bytes=" + from + "-");
        assertThat(request.getHeaders().get("If-Range")).isEqualTo(etag);
        assertThat(Files.readAllBytes(fetched.file())).isEqualTo(whole);
        assertThat(fetched.sha256()).isEqualTo(sha256(whole));
    }

    /** A partial file holding {@code bytes}, with the validators of the response they came from. */
    private PartialDownload partialWith(String downloadId, byte[] bytes, String etag, String lastModified) throws IOException {
        PartialDownload partial = partial(downloadId);
        Files.createDirectories(partial.file().getParent());
        Files.write(partial.file(), bytes);
        partial.rememberValidators(etag, lastModified);
        return partial;
    }

    private PartialDownload partial(String downloadId) {
        return new PartialDownload(storage.resolve("partial"), downloadId);
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    private FetchFailure failure(String path, long maxBytes) throws Exception {
        try {
            fetcher(AddressPolicy.any(), maxBytes).fetch(url(path), partial("f"), this::progress, new HttpFetcher.Cancellation());
        } catch (FetchFailure failure) {
            return failure;
        }
        throw new AssertionError("expected a failure for " + path);
    }

    private void assertFailure(String path, long maxBytes, String code, boolean retryable) {
        try {
            FetchFailure failure = failure(path, maxBytes);
            assertThat(failure.code()).as(failure.getMessage()).isEqualTo(code);
            assertThat(failure.retryable()).isEqualTo(retryable);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
