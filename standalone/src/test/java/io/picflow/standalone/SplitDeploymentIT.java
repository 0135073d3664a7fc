package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command side and the query side as two processes sharing one PostgreSQL event store. */
class SplitDeploymentIT {

    @TempDir
    Path work;

    @Test
    void a_command_accepted_by_one_process_is_read_from_the_other() throws Exception {
        String database = TestServices.newDatabase();
        Map<String, String> common = Map.of(
                "PICFLOW_DB_URL", database,
                "PICFLOW_DB_USER", TestServices.postgres().username(),
                "PICFLOW_JWT_SECRET", TestTokens.SECRET);
        Map<String, String> queryEnvironment = new java.util.HashMap<>(common);
        queryEnvironment.put("PICFLOW_ELASTICSEARCH_URL", TestServices.elasticsearch().url());

        try (ServiceProcess commandSide = ServiceProcess.start("picflow.jar.command-side", work.resolve("command"), common);
             ServiceProcess querySide = ServiceProcess.start("picflow.jar.query-side", work.resolve("query"), queryEnvironment)) {
            commandSide.awaitHealthy(Duration.ofMinutes(2));
            querySide.awaitHealthy(Duration.ofMinutes(2));
            String token = TestTokens.user("alice");

            HttpResponse<String> accepted = commandSide.api().postJson("/api/downloads", token,
                    "{\"url\":\"https://example.com/split.png\"}", "X-Correlation-Id", "split-1");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();

            // Read-your-writes across processes: the query side waits for its projection itself.
            HttpResponse<String> read = querySide.api().get(location, token);
            assertThat(read.statusCode()).as(querySide.logTail()).isEqualTo(200);
            assertThat(read.body()).contains("\"correlationId\":\"split-1\"").contains("split.png");

            // Each side serves only its own half of the API.
            assertThat(commandSide.api().get(location, token).statusCode()).isIn(404, 405);
            assertThat(querySide.api().postJson("/api/downloads", token, "{\"url\":\"https://example.com/x.png\"}")
                    .statusCode()).isEqualTo(405);
        }
    }

    @Test
    void outside_the_embedded_run_a_missing_jwt_secret_stops_start_up_with_a_clear_message() throws Exception {
        try (ServiceProcess commandSide = ServiceProcess.start("picflow.jar.command-side", work.resolve("nosecret"),
                Map.of("PICFLOW_DB_URL", TestServices.newDatabase()))) {
            assertThat(commandSide.process.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(commandSide.process.exitValue()).isNotZero();
            assertThat(commandSide.logTail()).contains("PICFLOW_JWT_SECRET");
        }
    }
}
