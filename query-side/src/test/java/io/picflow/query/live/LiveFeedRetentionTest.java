package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Live-feed retention on the real feed: old frames go, the horizon holds, resuming below it is refused with 4410. */
class LiveFeedRetentionTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    JdbcClient jdbc;

    @Autowired
    LiveFeedRetention.Runner retention;

    @Autowired
    MeterRegistry meters;

    @Test
    void frames_older_than_the_retention_go_and_a_client_resuming_below_them_is_told_to_reconnect_without_after() {
        String user = "rita-" + UUID.randomUUID();
        String completed = requested(user);
        publish(completed, 1, new ImageDownloadCompleted(completed, "img-" + completed));
        String failed = requested(user);
        publish(failed, 1, new ImageFetchStarted(failed, 1, 1, 0));
        publish(failed, 2, new ImageDownloadFailed(failed, "HTTP_503", "Service Unavailable", true, 1));
        awaitFeedHas(completed, 2);
        awaitFeedHas(failed, 3);
        long old = lastPosition(failed);
        // A week and a day ago, as far as the feed can tell.
        jdbc.sql("UPDATE live_feed SET fed_at = now() - interval '8 days' WHERE position <= :old").param("old", old).update();
        String recent = requested(user);
        awaitFeedHas(recent, 1);
        double removedBefore = removedCount("live_feed");

        LiveFeedStore.Removed removed = retention.run();

        assertThat(count("SELECT count(*) FROM live_feed WHERE position <= :old", old)).isZero();
        assertThat(removed.frames()).isGreaterThanOrEqualTo(5);
        assertThat(removedCount("live_feed") - removedBefore).isEqualTo(removed.frames());
        assertThat(jdbc.sql("SELECT removed_through FROM live_feed_horizon").query(Long.class).single()).isEqualTo(old);
        assertThat(count("SELECT count(*) FROM live_feed WHERE download_id = '" + recent + "'", 0)).isEqualTo(1);
        // The completed download's current state went with its frames; the failed one may still be retried.
        assertThat(liveDownloads(user)).containsExactlyInAnyOrder(failed, recent);

        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&after=" + (old - 1) + "&access_token=" + TestTokens.user(user))) {
            assertThat(socket.closeCode().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(4410);
            assertThat(socket.closeReason().join()).contains("reconnect without after=");
        }
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&after=" + old + "&access_token=" + TestTokens.user(user))) {
            List<JsonNode> frames = socket.until(text -> text.contains("CaughtUp"), WAIT).stream().map(f -> json.readTree(f.text())).toList();
            assertThat(frames).extracting(f -> f.get("downloadId") == null ? "CaughtUp" : f.get("downloadId").asString())
                    .containsExactly(recent, "CaughtUp");
        }
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + TestTokens.user(user))) {
            List<JsonNode> frames = socket.until(text -> text.contains("CaughtUp"), WAIT).stream().map(f -> json.readTree(f.text())).toList();
            assertThat(frames).extracting(f -> f.get("type").asString()).containsExactly("ImageDownloadFailed", "ImageDownloadRequested", "CaughtUp");
            assertThat(frames.get(2).get("position").asLong()).isGreaterThan(old);
        }
    }

    @Test
    void the_retention_is_a_recurring_task_of_the_query_side_s_own_scheduler() {
        assertThat(jdbc.sql("SELECT count(*) FROM query_scheduled_tasks WHERE task_name = 'live-feed-retention'")
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void an_expired_download_leaves_the_current_state_at_once_and_subscribers_see_it_cancelled() {
        String user = "eli-" + UUID.randomUUID();
        String expired = requested(user);
        publish(expired, 1, new ImageDownloadFailed(expired, "HTTP_503", "Service Unavailable", true, 1));
        awaitFeedHas(expired, 2);
        assertThat(liveDownloads(user)).containsExactly(expired);
        try (SocketClient socket = SocketClient.connect(port, "/ws?downloadId=" + expired + "&access_token=" + TestTokens.user(user))) {
            socket.until(text -> text.contains("CaughtUp"), WAIT);

            publish(expired, 2, new ImageDownloadCancelled(expired, ImageDownloadCancelled.SYSTEM, ImageDownloadCancelled.EXPIRED));

            JsonNode cancelled = json.readTree(socket.next(WAIT).text());
            assertThat(cancelled.get("type").asString()).isEqualTo("ImageDownloadCancelled");
            assertThat(cancelled.get("status").asString()).isEqualTo("CANCELLED");
        }
        await().atMost(WAIT).until(() -> liveDownloads(user).isEmpty());
    }

    private double removedCount(String item) {
        var counter = meters.find("picflow.retention.removed").tag("item", item).counter();
        return counter == null ? 0 : counter.count();
    }

    private List<String> liveDownloads(String user) {
        return jdbc.sql("SELECT download_id FROM live_download WHERE owner = :owner").param("owner", user).query(String.class).list();
    }

    private long lastPosition(String downloadId) {
        return jdbc.sql("SELECT max(position) FROM live_feed WHERE download_id = :id").param("id", downloadId).query(Long.class).single();
    }

    private long count(String sql, long old) {
        var statement = jdbc.sql(sql);
        if (sql.contains(":old")) {
            statement = statement.param("old", old);
        }
        return statement.query(Long.class).single();
    }

    private void awaitFeedHas(String downloadId, int frames) {
        await().atMost(WAIT).until(() -> jdbc.sql("SELECT count(*) FROM live_feed WHERE download_id = :id")
                .param("id", downloadId).query(Integer.class).single() == frames);
    }

    private String requested(String user) {
        String id = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, 0,
                new ImageDownloadRequested(id, "https://example.com/" + id + ".png", "f.png", List.of(), user),
                Map.of(MetadataKeys.CORRELATION_ID, "c", MetadataKeys.USER_ID, user), UUID.randomUUID().toString(), Instant.now()));
        return id;
    }

    private void publish(String id, long sequence, Object payload) {
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "c"), UUID.randomUUID().toString(), Instant.now()));
    }
}
