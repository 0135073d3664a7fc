package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Both sides in one context, as the embedded default runs them, on real PostgreSQL and Elasticsearch. */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StandaloneApiTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(true).forEach((key, value) -> registry.add(key, () -> value));
    }

    @Test
    void a_get_straight_after_the_post_finds_the_download() {
        ApiClient api = ApiClient.onPort(port);
        String token = TestTokens.user("alice");
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> accepted = api.postJson("/api/downloads", token,
                    "{\"url\":\"https://example.com/ryw-" + i + ".png\"}", "X-Correlation-Id", "ryw-" + i);
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();

            HttpResponse<String> download = api.get(location, token);

            assertThat(download.statusCode()).as(location).isEqualTo(200);
            JsonNode body = json.readTree(download.body());
            assertThat(body.get("url").asString()).isEqualTo("https://example.com/ryw-" + i + ".png");
            assertThat(body.get("correlationId").asString()).isEqualTo("ryw-" + i);
            // The download moves on at once (example.com is unreachable here): any lifecycle status is fine.
            assertThat(body.get("status").asString()).isIn("REQUESTED", "FETCHING", "RETRY_SCHEDULED", "FAILED");
        }
    }

    @Test
    void operations_endpoints_answer_without_a_token() {
        ApiClient api = ApiClient.onPort(port);
        api.postJson("/api/downloads", TestTokens.user("alice"), "{\"url\":\"https://example.com/m.png\"}");

        HttpResponse<String> health = api.get("/actuator/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode components = json.readTree(health.body()).get("components");
        assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
        assertThat(components.get("elasticsearch").get("status").asString()).isEqualTo("UP");

        HttpResponse<String> metrics = api.get("/actuator/prometheus", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("commandBus_").contains("RequestImageDownload").contains("http_server_requests");

        HttpResponse<String> openApi = api.get("/v3/api-docs", null);
        assertThat(openApi.statusCode()).isEqualTo(200);
        JsonNode paths = json.readTree(openApi.body()).get("paths");
        assertThat(paths.has("/api/downloads")).isTrue();
        assertThat(paths.get("/api/downloads").has("post")).isTrue();
        assertThat(paths.get("/api/downloads").has("get")).isTrue();
        assertThat(paths.has("/api/downloads/{downloadId}")).isTrue();
    }
}
