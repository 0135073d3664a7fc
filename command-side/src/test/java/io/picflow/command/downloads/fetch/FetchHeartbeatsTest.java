package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.downloads.fetch.FetchHeartbeats.Beat;
import io.picflow.command.downloads.fetch.FetchHeartbeats.StaleFetch;
import io.picflow.command.support.CommandSideTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Heartbeats against the real PostgreSQL: a watchdog on this node sees a fetch another node is working on (queued,
 * or running since when), only while that node keeps beating; a node's finished fetches disappear with its next
 * beat; a stopped node's fetches are taken over once, by one node; a node learns that its fetch was taken.
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

        assertThat(worker.stateOf(downloadId, 2)).isEqualTo(FetchState.QUEUED);
        assertThat(worker.stateOf(downloadId, 3)).as("a later fetch of the download").isEqualTo(FetchState.LOST);

        Instant since = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        jdbc.sql("UPDATE fetch_heartbeat SET running_since = ? WHERE download_id = ?")
                .params(java.sql.Timestamp.from(since), downloadId).update();
        assertThat(worker.stateOf(downloadId, 2)).isEqualTo(FetchState.runningSince(since));

        jdbc.sql("UPDATE fetch_heartbeat SET beat_at = now() - interval '10 minutes' WHERE download_id = ?").param(downloadId).update();
        assertThat(worker.stateOf(downloadId, 2)).as("the other node stopped beating").isEqualTo(FetchState.LOST);
    }

    @Test
    void a_node_publishes_its_fetches_in_one_beat_and_withdraws_the_finished_ones() {
        FetchHeartbeats mine = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        FetchHeartbeats other = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();
        Instant running = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        assertThat(mine.beat(List.of(new Beat(first, 1, null), new Beat(second, 4, running)))).isEmpty();
        assertThat(other.stateElsewhere(first, 1)).isEqualTo(FetchState.QUEUED);
        assertThat(other.stateElsewhere(second, 4)).isEqualTo(FetchState.runningSince(running));
        assertThat(mine.stateElsewhere(first, 1)).as("its own fetches are not elsewhere").isEqualTo(FetchState.LOST);

        mine.beat(List.of(new Beat(second, 4, running)));
        assertThat(other.stateElsewhere(first, 1)).isEqualTo(FetchState.LOST);
        assertThat(other.stateElsewhere(second, 4)).isEqualTo(FetchState.runningSince(running));

        mine.beat(List.of());
        assertThat(other.stateElsewhere(second, 4)).isEqualTo(FetchState.LOST);
    }

    @Test
    void the_fetches_of_a_node_that_stopped_beating_are_taken_once_and_that_node_learns_it_at_its_next_beat() {
        FetchHeartbeats stopped = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        FetchHeartbeats alive = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        FetchHeartbeats another = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        String lost = "lost-" + UUID.randomUUID();
        String fine = "fine-" + UUID.randomUUID();
        stopped.beat(List.of(new Beat(lost, 3, null)));
        alive.beat(List.of(new Beat(fine, 1, null)));
        jdbc.sql("UPDATE fetch_heartbeat SET beat_at = now() - interval '31 seconds' WHERE download_id = ?").param(lost).update();

        List<StaleFetch> taken = alive.takeStale();
        assertThat(taken).contains(new StaleFetch(lost, 3)).doesNotContain(new StaleFetch(fine, 1));
        assertThat(another.takeStale()).as("each stale fetch goes to one node").doesNotContain(new StaleFetch(lost, 3));

        // The "stopped" node was only paused: its next beat finds its row gone, and it must stop that fetch.
        assertThat(stopped.beat(List.of(new Beat(lost, 3, null)))).containsExactly(new StaleFetch(lost, 3));
        assertThat(alive.stateElsewhere(lost, 3)).isEqualTo(FetchState.LOST);
    }

    @Test
    void a_later_fetch_owns_the_row_and_the_node_of_an_earlier_one_learns_at_its_next_beat_that_it_was_replaced() {
        FetchHeartbeats stalled = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        FetchHeartbeats retrying = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        String download = "replaced-" + UUID.randomUUID();
        stalled.beat(List.of(new Beat(download, 1, null)));
        retrying.beat(List.of(new Beat(download, 2, null)));

        assertThat(stalled.beat(List.of(new Beat(download, 1, null)))).containsExactly(new StaleFetch(download, 1));
        assertThat(jdbc.sql("SELECT fetch_number FROM fetch_heartbeat WHERE download_id = ?").param(download).query(Integer.class).single())
                .as("the earlier fetch's beat does not take the row back").isEqualTo(2);

        FetchHeartbeats twin = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        assertThat(twin.beat(List.of(new Beat(download, 2, null)))).as("the same fetch on a second node yields to the first")
                .containsExactly(new StaleFetch(download, 2));
        assertThat(retrying.beat(List.of(new Beat(download, 2, null)))).isEmpty();
    }

    @Test
    void stop_requests_are_read_by_download_and_dropped_ten_minutes_later() {
        FetchHeartbeats node = new FetchHeartbeats(jdbc, Duration.ofSeconds(30));
        String paused = "paused-" + UUID.randomUUID();
        String forgotten = "forgotten-" + UUID.randomUUID();
        node.requestStop(paused, 2, false);
        node.requestStop(paused, 1, true); // a second request widens the first: up to fetch 2, and discard
        node.requestStop(forgotten, 1, false);

        assertThat(node.stopsFor(List.of(paused, "unknown"))).containsExactly(new FetchHeartbeats.StopRequest(paused, 2, true));

        jdbc.sql("UPDATE fetch_stop SET requested_at = now() - interval '11 minutes' WHERE download_id = ?").param(forgotten).update();
        node.takeStale();
        assertThat(node.stopsFor(List.of(forgotten))).isEmpty();
        assertThat(node.stopsFor(List.of(paused))).as("a recent one stays").hasSize(1);
    }
}
