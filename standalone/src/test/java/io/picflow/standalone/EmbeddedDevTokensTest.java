package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/dev/tokens} in the embedded run as {@code main} starts it, with its own embedded PostgreSQL
 * (Elasticsearch is the test JVM's): there only with the secret the run generated, and only for callers that
 * reach it directly from this machine.
 */
class EmbeddedDevTokensTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    /** Not a @TempDir: each run's embedded PostgreSQL lives until the test JVM exits. */
    private static final Path DATA = Path.of("target", "embedded-dev-tokens-" + UUID.randomUUID()).toAbsolutePath();

    private static final String REQUEST = "{\"userId\":\"alice\",\"roles\":[\"user\"]}";

    @Test
    void with_the_generated_secret_it_issues_tokens_of_the_configured_issuer_but_not_to_forwarded_requests() throws Exception {
        Path data = DATA.resolve("generated");
        try (ConfigurableApplicationContext context = start(data, "--picflow.security.jwt-issuer=picflow-local")) {
            ApiClient api = api(context);

            HttpResponse<String> issued = api.postJson("/api/dev/tokens", null, REQUEST);
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
            String token = json.readTree(issued.body()).get("token").asString();
            JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
            assertThat(claims.get("iss").asString()).isEqualTo("picflow-local");
            assertThat(claims.get("sub").asString()).isEqualTo("alice");
            assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(12 * 3600);
            assertThat(api.get("/api/downloads", token).statusCode()).isEqualTo(200);

            // The same secret, but not the configured issuer.
            String generatedSecret = Files.readString(data.resolve("jwt-secret")).trim();
            String otherIssuer = TestTokens.token("alice", List.of("user"), Instant.now().plusSeconds(600), generatedSecret);
            HttpResponse<String> refused = api.get("/api/downloads", otherIssuer);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(json.readTree(refused.body()).get("detail").asString())
                    .isEqualTo("The token's iss claim \"picflow\" is not the configured issuer \"picflow-local\"");

            // A proxy on this machine makes every caller look local: whatever it forwards is refused.
            for (String[] header : List.of(new String[] {"Forwarded", "for=203.0.113.7;proto=https"},
                    new String[] {"X-Forwarded-For", "127.0.0.1"}, new String[] {"X-Forwarded-Host", "picflow.example.com"},
                    new String[] {"x-forwarded-proto", "https"})) {
                HttpResponse<String> forwarded = api.postJson("/api/dev/tokens", null, REQUEST, header[0], header[1]);
                assertThat(forwarded.statusCode()).as(header[0]).isEqualTo(403);
                assertThat(forwarded.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(json.readTree(forwarded.body()).get("detail").asString()).as(header[0])
                        .startsWith("Dev tokens are not issued to forwarded requests").containsIgnoringCase(header[0]);
                assertThat(forwarded.body()).doesNotContain("\"token\"");
            }
        }
    }

    @Test
    void with_a_configured_secret_there_is_no_dev_token_endpoint_even_when_asked_for() {
        Path data = DATA.resolve("configured");
        try (ConfigurableApplicationContext context = start(data,
                "--picflow.security.jwt-secret=" + TestTokens.SECRET, "--picflow.security.dev-tokens=true")) {
            ApiClient api = api(context);

            HttpResponse<String> response = api.postJson("/api/dev/tokens", null, REQUEST);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(Files.exists(data.resolve("jwt-secret"))).as("a generated secret").isFalse();
            // Tokens signed with the configured secret are what works here.
            assertThat(api.get("/api/downloads", TestTokens.user("alice")).statusCode()).isEqualTo(200);
        }
    }

    private static ConfigurableApplicationContext start(Path data, String... arguments) {
        SpringApplication application = StandaloneApplication.application();
        // Whatever the developer's shell exports (PICFLOW_DB_URL, PICFLOW_JWT_SECRET, ...) must not decide these tests.
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        application.setEnvironment(environment);
        List<String> args = new ArrayList<>(List.of("--picflow.data-dir=" + data, "--server.port=0",
                "--picflow.elasticsearch.url=" + TestServices.elasticsearch().url(),
                "--picflow.search.alias=images-" + UUID.randomUUID().toString().substring(0, 8)));
        args.addAll(List.of(arguments));
        return application.run(args.toArray(String[]::new));
    }

    private static ApiClient api(ConfigurableApplicationContext context) {
        return ApiClient.onPort(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
    }
}
