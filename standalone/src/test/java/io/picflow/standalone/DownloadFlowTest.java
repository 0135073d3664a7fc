package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A download seen from the outside: POST, follow it to COMPLETED, then view the stored image. */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DownloadFlowTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final TestImageServer images = new TestImageServer().start();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        StandaloneTestProperties.register(registry, "picflow-flow");
    }

    @AfterAll
    static void stopImageServer() {
        images.close();
    }

    @Test
    void a_completed_download_shows_its_image_which_any_user_can_view_with_conditional_gets() {
        ApiClient api = ApiClient.onPort(port);
        String alice = TestTokens.user("alice");
        HttpResponse<String> accepted = api.postJson("/api/downloads", alice, "{\"url\":\"" + images.url("/img/7.png") + "\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();

        await().atMost(Duration.ofSeconds(30)).until(() ->
                json.readTree(api.get(location, alice).body()).get("status").asString().equals("COMPLETED"));
        JsonNode download = json.readTree(api.get(location, alice).body());
        String imageId = download.get("imageId").asString();
        assertThat(download.get("attempt").asInt()).isEqualTo(1);
        assertThat(download.get("bytesReceived").asLong()).isPositive().isEqualTo(download.get("totalBytes").asLong());
        assertThat(download.has("error")).isFalse();

        String bob = TestTokens.user("bob"); // the library is shared
        HttpResponse<String> image = api.get("/api/images/" + imageId, bob);
        assertThat(image.statusCode()).isEqualTo(200);
        JsonNode metadata = json.readTree(image.body());
        assertThat(metadata.get("format").asString()).isEqualTo("PNG");
        assertThat(metadata.get("width").asInt()).isEqualTo(64 + 7);
        assertThat(metadata.get("height").asInt()).isEqualTo(48);
        assertThat(metadata.get("sha256").asString()).isEqualTo(imageId);
        // Where it came from is alice's business: bob, who did not download it, does not see the URL.
        assertThat(metadata.has("sourceUrls")).isFalse();
        JsonNode own = json.readTree(api.get("/api/images/" + imageId, alice).body());
        assertThat(own.get("sourceUrls").get(0).asString()).isEqualTo(images.url("/img/7.png"));

        HttpResponse<String> content = api.get("/api/images/" + imageId + "/content", bob);
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.headers().firstValue("Content-Type")).hasValue("image/png");
        String etag = content.headers().firstValue("ETag").orElseThrow();
        assertThat(api.get("/api/images/" + imageId + "/content", bob, "If-None-Match", etag).statusCode()).isEqualTo(304);

        HttpResponse<String> thumbnail = api.get("/api/images/" + imageId + "/thumbnail", bob);
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("Content-Type")).hasValue("image/png");
        String thumbnailTag = thumbnail.headers().firstValue("ETag").orElseThrow();
        assertThat(api.get("/api/images/" + imageId + "/thumbnail", bob, "If-None-Match", thumbnailTag).statusCode()).isEqualTo(304);

        assertThat(api.get("/api/images/" + "0".repeat(64), bob).statusCode()).isEqualTo(404);

        String metrics = api.get("/actuator/prometheus", null).body();
        assertThat(metrics).contains("picflow_downloads_outcomes_total{code=\"none\",outcome=\"completed\"}")
                .contains("picflow_downloads_completion_time_seconds_count")
                .contains("picflow_downloads_bytes_fetched_bytes_total")
                .contains("picflow_downloads_fetches_active")
                .contains("picflow_downloads_fetches_queued");
    }

    @Test
    void a_live_subscriber_sees_a_real_download_from_request_to_stored_image() {
        ApiClient api = ApiClient.onPort(port);
        String lena = TestTokens.user("lena");
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + lena)) {
            socket.until(text -> text.contains("\"CaughtUp\""), Duration.ofSeconds(10));
            HttpResponse<String> accepted = api.postJson("/api/downloads", lena, "{\"url\":\"" + images.url("/slow/3.png") + "\"}");
            String correlationId = accepted.headers().firstValue("X-Correlation-Id").orElseThrow();

            List<JsonNode> frames = socket.until(text -> text.contains("ImageDownloadCompleted"), Duration.ofSeconds(60))
                    .stream().map(frame -> json.readTree(frame.text())).toList();

            assertThat(frames).extracting(f -> f.get("type").asString()).startsWith("ImageDownloadRequested", "ImageFetchStarted")
                    .contains("ImageFetchProgressed")
                    .endsWith("ImageFetched", "ImageValidated", "ImageProcessed", "ImageStored", "ImageDownloadCompleted");
            assertThat(frames).extracting(f -> f.get("position").asLong()).isSorted().doesNotHaveDuplicates();
            assertThat(frames).allSatisfy(f -> assertThat(f.get("correlationId").asString()).isEqualTo(correlationId));
            List<Long> progress = frames.stream().filter(f -> f.get("type").asString().equals("ImageFetchProgressed"))
                    .map(f -> f.get("bytesReceived").asLong()).toList();
            assertThat(progress).isSorted().doesNotHaveDuplicates();
            JsonNode completed = frames.get(frames.size() - 1);
            assertThat(completed.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(completed.get("bytesReceived").asLong()).isEqualTo(completed.get("totalBytes").asLong()).isPositive();
            assertThat(completed.get("imageId").asString()).hasSize(64);
        }
        String metrics = api.get("/actuator/prometheus", null).body();
        assertThat(metrics).contains("picflow_live_frames_sent_total").contains("picflow_live_latency_seconds_bucket")
                .contains("picflow_live_subscribers").contains("picflow_live_frames_coalesced_total")
                .contains("picflow_live_slow_closes_total");
    }

    @Test
    void a_failed_download_shows_its_error_and_other_users_cannot_control_it() {
        ApiClient api = ApiClient.onPort(port);
        String alice = TestTokens.user("alice");
        String location = api.postJson("/api/downloads", alice, "{\"url\":\"" + images.url("/missing.png") + "\"}")
                .headers().firstValue("Location").orElseThrow();

        await().atMost(Duration.ofSeconds(30)).until(() ->
                json.readTree(api.get(location, alice).body()).get("status").asString().equals("FAILED"));
        JsonNode error = json.readTree(api.get(location, alice).body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("HTTP_CLIENT_ERROR");
        assertThat(error.get("retryable").asBoolean()).isFalse();
        assertThat(error.get("message").asString()).contains("404");

        HttpResponse<String> foreign = api.send("POST", location + "/retry", TestTokens.user("mallory"),
                HttpRequest.BodyPublishers.noBody());
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(api.get(location, TestTokens.user("mallory")).statusCode()).isEqualTo(404);
    }
}
