package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.support.CommandSideTest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Heartbeats against the real PostgreSQL: a watchdog on this node sees a fetch another node is working on,
 * and only while that node keeps beating; a node's finished fetches disappear with its next beat.
 */
class FetchHeartbeatsTest extends CommandSideTest {

    @Autowired
    FetchWorker worker;

    @Test
    void a_fetch_another_node_beats_for_is_being_worked_on_until_its_heartbeat_goes_stale() {
        String downloadId = "beat-" + UUID.randomUUID();
        String otherNode = "other-node-" + UUID.randomUUID();
        jdbc.sql("INSERT INTO fetch_heartbeat (download_id, fetch_number, node, beat_at) VALUES (?, 2, ?, now())")
                .params(downloadId, otherNode).update();

        assertThat(worker.isWorkingOn(downloadId, 2)).isTrue();
        assertThat(worker.isWorkingOn(downloadId, 3)).as("a later fetch of the download").isFalse();

        jdbc.sql("UPDATE fetch_heartbeat SET beat_at = now() - interval '10 minutes' WHERE download_id = ?").param(downloadId).update();
        assertThat(worker.isWorkingOn(downloadId, 2)).as("the other node stopped beating").isFalse();
    }

    @Test
    void a_node_publishes_its_fetches_and_withdraws_the_finished_ones() {
        FetchHeartbeats mine = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        FetchHeartbeats other = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();

        mine.beat(Map.of(first, 1, second, 4));
        assertThat(other.aliveElsewhere(first, 1)).isTrue();
        assertThat(other.aliveElsewhere(second, 4)).isTrue();
        assertThat(mine.aliveElsewhere(first, 1)).as("its own fetches are not elsewhere").isFalse();

        mine.beat(Map.of(second, 4));
        assertThat(other.aliveElsewhere(first, 1)).isFalse();
        assertThat(other.aliveElsewhere(second, 4)).isTrue();

        mine.beat(Map.of());
        assertThat(other.aliveElsewhere(second, 4)).isFalse();
    }
}
