package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Per-user limits on download requests: 429 with Retry-After, and other users unaffected. */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DownloadQuotaTest {

    private static MockWebServer slowServer;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void startSlowServer() throws Exception {
        slowServer = new MockWebServer();
        slowServer.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getUrl().encodedPath().startsWith("/missing")) {
                    return new MockResponse.Builder().code(404).build();
                }
                // Trickles for a minute: the download stays unfinished for the whole test.
                return new MockResponse.Builder().body(new Buffer().write(new byte[600]))
                        .throttleBody(10, 1, TimeUnit.SECONDS).build();
            }
        });
        slowServer.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterAll
    static void stopSlowServer() {
        slowServer.close();
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        String storage = Files.createTempDirectory("picflow-quota").toString();
        registry.add("picflow.downloads.storage-dir", () -> storage);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
        registry.add("picflow.downloads.max-active-per-user", () -> "2");
        registry.add("picflow.downloads.max-requests-per-minute", () -> "4");
    }

    @Test
    void too_many_unfinished_downloads_get_429_with_retry_after() {
        String token = TestTokens.user("busy");
        assertThat(post(token, "/slow/1").statusCode()).isEqualTo(202);
        assertThat(post(token, "/slow/2").statusCode()).isEqualTo(202);

        HttpResponse<String> third = post(token, "/slow/3");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(third.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
        assertThat(third.body()).contains("unfinished downloads");
        assertThat(post(TestTokens.user("someone-else"), "/slow/4").statusCode()).isEqualTo(202);
    }

    @Test
    void too_many_requests_per_minute_get_429_with_retry_after() {
        String token = TestTokens.user("hasty");
        for (int i = 0; i < 4; i++) {
            assertThat(post(token, "/missing/" + i).statusCode()).isEqualTo(202);
            // Each fails at once (404): wait until it is finished, so that only the rate limit can apply.
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("SELECT count(*) FROM active_download WHERE user_id = 'hasty'")
                    .query(Long.class).single() == 0);
        }

        HttpResponse<String> fifth = post(token, "/missing/5");

        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 65)); // counted in 5 s slots
        assertThat(fifth.body()).contains("per minute");
    }

    @Test
    void retrying_a_failed_download_counts_against_the_unfinished_limit() {
        String token = TestTokens.user("retrier");
        String failed = post(token, "/missing/retry").headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("SELECT count(*) FROM active_download WHERE user_id = 'retrier'")
                .query(Long.class).single() == 0);
        assertThat(post(token, "/slow/r1").statusCode()).isEqualTo(202);
        assertThat(post(token, "/slow/r2").statusCode()).isEqualTo(202);

        HttpResponse<String> retry = ApiClient.onPort(port).send("POST", failed + "/retry", token,
                java.net.http.HttpRequest.BodyPublishers.noBody());

        assertThat(retry.statusCode()).isEqualTo(429);
        assertThat(retry.body()).contains("unfinished downloads");
    }

    private HttpResponse<String> post(String token, String path) {
        return ApiClient.onPort(port).postJson("/api/downloads", token, "{\"url\":\"" + slowServer.url(path) + "\"}");
    }
}
