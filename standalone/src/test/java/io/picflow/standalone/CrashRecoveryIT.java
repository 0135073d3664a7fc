package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * kill -9 in the middle of downloads: after a restart, every unfinished download continues and
 * completes within seconds (the dead process's heartbeats go stale and its fetches are taken over), and none is
 * left FETCHING.
 */
class CrashRecoveryIT {

    private static final JsonMapper json = JsonMapper.builder().build();

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // the services' logs stay when it fails
    Path work;

    @Test
    void downloads_interrupted_by_kill_9_complete_after_a_restart() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("PICFLOW_DB_URL", TestServices.newDatabase());
        environment.put("PICFLOW_ELASTICSEARCH_URL", TestServices.elasticsearch().url());
        environment.put("PICFLOW_JWT_SECRET", TestTokens.SECRET);
        environment.put("PICFLOW_ALLOW_PRIVATE_ADDRESSES", "true");
        environment.put("PICFLOW_STORAGE_DIR", work.resolve("images").toString());
        // The default overall timeout (10 min): the killed process's fetches must be taken over once its heartbeat is
        // stale (6 s here), not when their watchdog's cap (12 min) runs out.
        // The restarted process is a new owner: it takes the killed one's processor segments once their claims are
        // 9 s old (the default, 60 s, would only make the test slower).
        String[] arguments = {"--picflow.downloads.retry.base-delay=200ms", "--picflow.downloads.heartbeat-interval=2s",
                "--picflow.downloads.heartbeat-stale-after=6s", "--picflow.axon.claim-timeout=9s"};
        String token = TestTokens.user("alice");
        List<String> locations = new ArrayList<>();

        try (TestImageServer images = new TestImageServer().start()) {
            try (ServiceProcess first = ServiceProcess.start("picflow.jar.standalone", work, environment, arguments)) {
                first.awaitHealthy(Duration.ofMinutes(2));
                for (int i = 1; i <= 3; i++) {
                    var accepted = first.api().postJson("/api/downloads", token,
                            "{\"url\":\"" + images.url("/slow/" + i + ".png") + "\"}");
                    assertThat(accepted.statusCode()).isEqualTo(202);
                    locations.add(accepted.headers().firstValue("Location").orElseThrow());
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> locations.stream().allMatch(location ->
                        json.readTree(first.api().get(location, token).body()).get("bytesReceived").asLong() > 0));
                first.kill();
            }

            try (ServiceProcess second = ServiceProcess.start("picflow.jar.standalone", work, environment, arguments)) {
                second.awaitHealthy(Duration.ofMinutes(2));
                try {
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() ->
                            locations.stream().allMatch(location -> "COMPLETED".equals(
                                    json.readTree(second.api().get(location, token).body()).get("status").asString())));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    StringBuilder states = new StringBuilder();
                    locations.forEach(location -> states.append(second.api().get(location, token).body()).append('\n'));
                    try (var db = java.sql.DriverManager.getConnection(environment.get("PICFLOW_DB_URL"),
                            TestServices.postgres().username(), TestServices.postgres().password());
                         var rows = db.createStatement().executeQuery("SELECT 'hb ' || download_id || ' ' || fetch_number || ' ' || beat_at || ' ' || now() FROM fetch_heartbeat "
                                 + "UNION ALL SELECT 'task ' || task_name || ' ' || task_instance || ' ' || execution_time || ' ' || picked || ' ' || coalesce(picked_by, '') FROM scheduled_tasks")) {
                        while (rows.next()) {
                            states.append(rows.getString(1)).append('\n');
                        }
                    }
                    throw new AssertionError("not all completed:\n" + states + second.logTail(), e);
                }
                for (String location : locations) {
                    var download = json.readTree(second.api().get(location, token).body());
                    assertThat(download.get("imageId").asString()).hasSize(64);
                    assertThat(download.get("bytesReceived").asLong()).isEqualTo(download.get("totalBytes").asLong());
                }
                second.stop();
            }
        }
    }
}
