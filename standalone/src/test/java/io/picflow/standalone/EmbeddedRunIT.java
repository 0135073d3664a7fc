package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged embedded default, run with {@code java -jar} from another directory: it starts its
 * own PostgreSQL and Elasticsearch, keeps data across restarts, stops its children on SIGTERM, and
 * recovers from a {@code kill -9} that orphaned them.
 */
class EmbeddedRunIT {

    private static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    void the_embedded_run_keeps_its_data_and_its_children_stop_with_it() throws Exception {
        String downloadId;
        String token;
        List<ProcessHandle> children;
        try (ServiceProcess first = start()) {
            first.awaitHealthy(Duration.ofMinutes(3));
            HttpResponse<String> issued = first.api().postJson("/api/dev/tokens", null, "{\"userId\":\"alice\",\"roles\":[\"user\"]}");
            assertThat(issued.statusCode()).isEqualTo(200);
            token = json.readTree(issued.body()).get("token").asString();

            HttpResponse<String> accepted = first.api().postJson("/api/downloads", token, "{\"url\":\"https://example.com/keep.png\"}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            downloadId = json.readTree(accepted.body()).get("downloadId").asString();
            assertThat(first.api().get("/api/downloads/" + downloadId, token).statusCode()).isEqualTo(200);
            assertThat(Files.isRegularFile(work.resolve("picflow-data/jwt-secret"))).isTrue();

            children = first.children();
            assertThat(children).as("embedded PostgreSQL and Elasticsearch processes").hasSizeGreaterThanOrEqualTo(2);
            first.stop();
        }
        assertThat(children).as("children still alive after SIGTERM").noneMatch(ProcessHandle::isAlive);

        List<ProcessHandle> orphans;
        try (ServiceProcess second = start()) {
            second.awaitHealthy(Duration.ofMinutes(3));
            // Same data directory, same secret: the old token and the old download are still good.
            HttpResponse<String> again = second.api().get("/api/downloads/" + downloadId, token);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).contains("keep.png");
            orphans = second.children();
            second.kill();
        }
        assertThat(orphans).as("kill -9 leaves the children running").anyMatch(ProcessHandle::isAlive);

        try (ServiceProcess third = start()) {
            third.awaitHealthy(Duration.ofMinutes(3));
            assertThat(third.api().get("/api/downloads/" + downloadId, token).statusCode()).isEqualTo(200);
            assertThat(orphans).as("the next start cleaned up the orphans").noneMatch(ProcessHandle::isAlive);
            third.stop();
        }
    }

    private ServiceProcess start() {
        return ServiceProcess.start("picflow.jar.standalone", work, Map.of());
    }
}
