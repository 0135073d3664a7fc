package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageStored;
import io.picflow.query.support.QuerySideTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Events in the real event store, through the live-feed projection, to frames on a real WebSocket. */
class LiveSocketTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    EventStore eventStore;

    @Autowired
    JdbcClient jdbc;

    @Test
    void a_download_s_subscriber_sees_every_change_in_order_with_its_state_time_and_correlation() {
        String user = "ann-" + UUID.randomUUID();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String id = requested(user, t0, "corr-ann");
        try (SocketClient socket = SocketClient.connect(port, "/ws?downloadId=" + id + "&access_token=" + TestTokens.user(user))) {
            List<SocketClient.Frame> received = new ArrayList<>(socket.until(text -> text.contains("CaughtUp"), WAIT));
            publish(id, 1, new ImageFetchStarted(id, 1, 1, 0), t0.plusMillis(1), "corr-ann");
            publish(id, 2, new ImageFetchProgressed(id, 1, 500, 1000L), t0.plusMillis(2), "corr-ann");
            publish(id, 3, new ImageFetched(id, 1, 1000, "image/png", "ab"), t0.plusMillis(3), "corr-ann");
            publish(id, 4, new ImageStored(id, "img-1", "ab", 1000, "PNG", "image/png", 1, 1, "u", "f", List.of(), user),
                    t0.plusMillis(4), "corr-ann");
            publish(id, 5, new ImageDownloadCompleted(id, "img-1"), t0.plusMillis(5), "corr-ann");

            received.addAll(socket.until(text -> text.contains("ImageDownloadCompleted"), WAIT));
            List<JsonNode> frames = downloadFrames(received);

            assertThat(frames).extracting(f -> f.get("type").asString()).containsExactly("ImageDownloadRequested",
                    "ImageFetchStarted", "ImageFetchProgressed", "ImageFetched", "ImageStored", "ImageDownloadCompleted");
            assertThat(frames).extracting(f -> f.get("status").asString()).containsExactly("REQUESTED", "FETCHING",
                    "FETCHING", "VALIDATING", "VALIDATING", "COMPLETED");
            assertThat(frames).extracting(f -> f.get("position").asLong()).isSorted().doesNotHaveDuplicates();
            JsonNode progress = frames.get(2);
            assertThat(progress.get("downloadId").asString()).isEqualTo(id);
            assertThat(progress.get("bytesReceived").asLong()).isEqualTo(500);
            assertThat(progress.get("totalBytes").asLong()).isEqualTo(1000);
            assertThat(progress.get("attempt").asInt()).isEqualTo(1);
            assertThat(progress.get("error").isNull()).isTrue();
            assertThat(progress.get("correlationId").asString()).isEqualTo("corr-ann");
            assertThat(Instant.parse(progress.get("timestamp").asString())).isEqualTo(t0.plusMillis(2));
            assertThat(frames.get(5).get("imageId").asString()).isEqualTo("img-1");
        }
    }

    @Test
    void connecting_without_after_shows_the_current_state_then_live_frames() {
        String user = "ben-" + UUID.randomUUID();
        String id = requested(user, Instant.now(), "c");
        publish(id, 1, new ImageFetchStarted(id, 1, 1, 0), Instant.now(), "c");
        publish(id, 2, new ImageDownloadFailed(id, "HTTP_404", "Not Found", false, 1), Instant.now(), "c");
        awaitFeedHas(id, 3);

        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + TestTokens.user(user))) {
            JsonNode state = json.readTree(socket.next(WAIT).text());
            assertThat(state.get("type").asString()).isEqualTo("ImageDownloadFailed");
            assertThat(state.get("status").asString()).isEqualTo("FAILED");
            assertThat(state.get("error").get("code").asString()).isEqualTo("HTTP_404");
            assertThat(state.get("error").get("retryable").asBoolean()).isFalse();
            JsonNode caughtUp = json.readTree(socket.next(WAIT).text());
            assertThat(caughtUp.get("type").asString()).isEqualTo("CaughtUp");
            assertThat(caughtUp.get("position").asLong()).isGreaterThanOrEqualTo(state.get("position").asLong());

            String second = requested(user, Instant.now(), "c2");
            JsonNode live = json.readTree(socket.next(WAIT).text());
            assertThat(live.get("downloadId").asString()).isEqualTo(second);
            assertThat(live.get("position").asLong()).isGreaterThan(caughtUp.get("position").asLong());
        }
    }

    @Test
    void subscribers_that_reconnect_with_after_while_events_flow_miss_nothing_and_see_nothing_twice() throws Exception {
        String user = "cat-" + UUID.randomUUID();
        String token = TestTokens.user(user);
        // Where this user's frames start: the feed's head now (not 0: retention may have removed older frames).
        long after = jdbc.sql("SELECT greatest(coalesce(max(position), 0), (SELECT removed_through FROM live_feed_horizon)) FROM live_feed")
                .query(Long.class).single();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(requested(user, Instant.now(), "c"));
        }
        // State changes (never coalesced, unlike progress): each one must arrive exactly once.
        int changesPerDownload = 40;
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            for (int step = 1; step <= changesPerDownload; step++) {
                for (String id : ids) {
                    publish(id, step, new ImageFetchStarted(id, 1, step, 0), Instant.now(), "c");
                }
            }
        });

        int total = ids.size() * (1 + changesPerDownload);
        List<Long> received = new ArrayList<>();
        while (received.size() < total) {
            // Each connection takes a few frames and drops; the next resumes after the last one it got.
            try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&after=" + after + "&access_token=" + token)) {
                for (int taken = 0; taken < 17 && received.size() < total; taken++) {
                    JsonNode frame = json.readTree(socket.next(WAIT).text());
                    if (frame.get("type").asString().equals("CaughtUp")) {
                        continue;
                    }
                    received.add(frame.get("position").asLong());
                    after = frame.get("position").asLong();
                }
            }
        }
        producer.get(30, TimeUnit.SECONDS);

        List<Long> stored = jdbc.sql("SELECT position FROM live_feed WHERE owner = :owner ORDER BY position")
                .param("owner", user).query(Long.class).list();
        assertThat(stored).hasSize(total);
        assertThat(received).containsExactlyElementsOf(stored);
    }

    @Test
    void tokens_and_subscriptions_are_checked_with_the_documented_close_codes() {
        String id = requested("dora", Instant.now(), "c");
        awaitFeedHas(id, 1);

        assertThat(closeCode("/ws?scope=mine")).isEqualTo(4401);
        assertThat(closeCode("/ws?scope=mine&access_token=not.a.token")).isEqualTo(4401);
        String forged = TestTokens.token("dora", List.of("user"), Instant.now().plusSeconds(60), "another-secret-0123456789-abcdefghijkl");
        assertThat(closeCode("/ws?scope=mine&access_token=" + forged)).isEqualTo(4401);
        String expired = TestTokens.token("dora", List.of("user"), Instant.now().minusSeconds(3600), TestTokens.SECRET);
        assertThat(closeCode("/ws?scope=mine&access_token=" + expired)).isEqualTo(4401);
        // The handshake uses the API's decoder, so the same claim rules: exp required, the configured issuer.
        Map<String, Object> noExpiry = TestTokens.claims("dora", List.of("user"));
        noExpiry.remove("exp");
        assertThat(closeCode("/ws?scope=mine&access_token=" + TestTokens.signed(noExpiry, TestTokens.SECRET))).isEqualTo(4401);
        Map<String, Object> otherIssuer = TestTokens.claims("dora", List.of("user"));
        otherIssuer.put("iss", "someone-else");
        assertThat(closeCode("/ws?scope=mine&access_token=" + TestTokens.signed(otherIssuer, TestTokens.SECRET))).isEqualTo(4401);

        assertThat(closeCode("/ws?downloadId=" + id + "&access_token=" + TestTokens.user("eve"))).isEqualTo(4403);
        assertThat(closeCode("/ws?types=ImageDownloadFailed&access_token=" + TestTokens.user("dora"))).isEqualTo(4403);

        assertThat(closeCode("/ws?access_token=" + TestTokens.user("dora"))).isEqualTo(4400);
        assertThat(closeCode("/ws?scope=theirs&access_token=" + TestTokens.user("dora"))).isEqualTo(4400);
        assertThat(closeCode("/ws?scope=mine&after=-1&access_token=" + TestTokens.user("dora"))).isEqualTo(4400);
        assertThat(closeCode("/ws?types=Nope&access_token=" + TestTokens.admin("root"))).isEqualTo(4400);
        assertThat(closeCode("/ws?types=,&access_token=" + TestTokens.admin("root"))).isEqualTo(4400);
        assertThat(closeCode("/ws?scope=mine&after=999999999999&access_token=" + TestTokens.user("dora"))).isEqualTo(4400);

        // The header works too, and the owner and admins may follow the download.
        try (SocketClient owner = SocketClient.connectWithHeader(port, "/ws?downloadId=" + id, TestTokens.user("dora"));
                SocketClient admin = SocketClient.connect(port, "/ws?downloadId=" + id + "&access_token=" + TestTokens.admin("root"))) {
            assertThat(json.readTree(owner.next(WAIT).text()).get("downloadId").asString()).isEqualTo(id);
            assertThat(json.readTree(admin.next(WAIT).text()).get("downloadId").asString()).isEqualTo(id);
        }
    }

    @Test
    void a_connection_is_closed_with_4401_when_its_token_expires() {
        String shortLived = TestTokens.token("hal", List.of("user"), Instant.now().plusSeconds(2), TestTokens.SECRET);
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + shortLived)) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            assertThat(socket.closeCode().orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(4401);
        }
    }

    @Test
    void a_user_s_connections_are_limited_per_node() {
        String token = TestTokens.user("ivy");
        List<SocketClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&access_token=" + token);
                open.add(socket);
                assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            }
            assertThat(closeCode("/ws?scope=mine&access_token=" + token)).isEqualTo(1013);

            SocketClient first = open.remove(0);
            first.close();
            await().atMost(WAIT).until(() -> {
                try (SocketClient again = SocketClient.connect(port, "/ws?scope=mine&access_token=" + token)) {
                    return json.readTree(again.next(WAIT).text()).get("type").asString().equals("CaughtUp");
                } catch (AssertionError refused) {
                    return false;
                }
            });
        } finally {
            open.forEach(SocketClient::close);
        }
    }

    @Test
    void admins_follow_the_event_stream_filtered_by_type() {
        try (SocketClient socket = SocketClient.connect(port,
                "/ws?types=ImageDownloadFailed,ImageDownloadCompleted&access_token=" + TestTokens.admin("root"))) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            String id = requested("fay", Instant.now(), "c");
            publish(id, 1, new ImageFetchStarted(id, 1, 1, 0), Instant.now(), "c");
            publish(id, 2, new ImageDownloadFailed(id, "TOO_LARGE", "too large", false, 1), Instant.now(), "c");
            String other = requested("gus", Instant.now(), "c");
            publish(other, 1, new ImageDownloadCompleted(other, "img"), Instant.now(), "c");

            List<JsonNode> frames = downloadFrames(socket.until(text -> text.contains(other), WAIT));
            assertThat(frames).extracting(f -> f.get("type").asString())
                    .containsExactly("ImageDownloadFailed", "ImageDownloadCompleted");
        }
    }

    private int closeCode(String pathAndQuery) {
        try (SocketClient socket = SocketClient.connect(port, pathAndQuery)) {
            return socket.closeCode().orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    private void awaitFeedHas(String downloadId, int frames) {
        await().atMost(WAIT).until(() -> jdbc.sql("SELECT count(*) FROM live_feed WHERE download_id = :id")
                .param("id", downloadId).query(Integer.class).single() == frames);
    }

    private static List<JsonNode> downloadFrames(List<SocketClient.Frame> frames) {
        return frames.stream().map(f -> json.readTree(f.text())).filter(f -> !f.get("type").asString().equals("CaughtUp")).toList();
    }

    private String requested(String user, Instant at, String correlationId) {
        String id = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, 0,
                new ImageDownloadRequested(id, "https://example.com/" + id + ".png", "f.png", List.of(), user),
                Map.of(MetadataKeys.CORRELATION_ID, correlationId, MetadataKeys.USER_ID, user),
                UUID.randomUUID().toString(), at));
        return id;
    }

    private void publish(String id, long sequence, Object payload, Instant at, String correlationId) {
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, correlationId), UUID.randomUUID().toString(), at));
    }
}
