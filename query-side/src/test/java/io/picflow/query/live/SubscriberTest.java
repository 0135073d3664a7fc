package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-connection queue: ordering, coalescing of progress, and closing a reader that falls behind. */
class SubscriberTest {

    private final ExecutorService senders = Executors.newCachedThreadPool();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LiveMetrics metrics = new LiveMetrics(registry, () -> 0);
    private final Subscription everything = new Subscription(null, "u", null);
    private final List<Subscriber> closed = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        senders.shutdownNow();
    }

    @Test
    void a_stuck_reader_gets_coalesced_progress_then_4429_while_a_fast_reader_gets_every_frame_in_order() throws Exception {
        CountDownLatch unblock = new CountDownLatch(1);
        CollectingSink slowSink = new CollectingSink(unblock);
        CollectingSink fastSink = new CollectingSink(null);
        Subscriber slow = live(slowSink, 8);
        Subscriber fast = live(fastSink, 100);

        long position = 0;
        // Progress of one download: the stuck reader's queue keeps only the newest.
        for (int i = 0; i < 50; i++) {
            FeedEntry progress = entry(++position, "d1", true);
            slow.offer(progress);
            fast.offer(progress);
            long sentSoFar = position;
            await().pollInterval(Duration.ofMillis(2)).until(() -> fastSink.sent.size() == sentSoFar); // keeps up, loses nothing
        }
        assertThat(slow.isClosed()).isFalse();
        assertThat(registry.counter("picflow.live.frames.coalesced").count()).isGreaterThan(40);

        // State changes are never dropped: past the buffer, the stuck reader is closed.
        for (int i = 0; i < 20; i++) {
            FeedEntry change = entry(++position, "d" + i, false);
            slow.offer(change);
            fast.offer(change);
        }
        assertThat(slow.isClosed()).isTrue();
        await().until(() -> slowSink.closeCode.get() == Subscriber.CLOSE_TOO_SLOW);
        assertThat(slowSink.closeReason).startsWith("Too far behind; reconnect with after=");
        assertThat(registry.counter("picflow.live.slow.closes").count()).isEqualTo(1);
        assertThat(closed).containsExactly(slow); // unregistered from the feed

        await().until(() -> fastSink.sent.size() == 70);
        assertThat(fastSink.positions()).isSorted().doesNotHaveDuplicates().hasSize(70);
        unblock.countDown();
    }

    @Test
    void frames_that_arrive_during_catch_up_follow_it_without_duplicates_or_gaps() throws Exception {
        CollectingSink sink = new CollectingSink(null);
        Subscriber subscriber = new Subscriber("u", everything, sink, senders, metrics, 100, 100, s -> { });
        // Live frames 5..9 arrive while catch-up (which will read up to 7) is in progress.
        for (long p = 5; p <= 9; p++) {
            subscriber.offer(entry(p, "d", false));
        }
        for (long p = 1; p <= 7; p++) {
            subscriber.sendCatchUp(p, entry(p, "d", false).text());
        }
        subscriber.goLive(7);
        subscriber.offer(entry(10, "d", false));

        await().until(() -> sink.sent.size() == 10);
        assertThat(sink.positions()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void frames_of_other_subscriptions_are_not_sent() {
        CollectingSink sink = new CollectingSink(null);
        Subscriber subscriber = new Subscriber("u", new Subscription("d1", "u", null), sink, senders, metrics, 100, 100, s -> { });
        subscriber.goLive(0);
        subscriber.offer(entry(1, "d2", false));
        subscriber.offer(new FeedEntry(2, "ImageFetchStarted", "d1", "someone-else", Instant.now(), false, "{}"));
        subscriber.offer(entry(3, "d1", false));

        await().until(() -> sink.sent.size() == 1);
        assertThat(sink.positions()).containsExactly(3L);
    }

    @Test
    void the_owner_gets_a_frame_as_stored_anyone_else_with_its_urls_redacted() throws Exception {
        String frame = "{\"downloadId\":\"d1\",\"url\":\"https://example.com/a.png?sig=secret#f\","
                + "\"error\":{\"code\":\"HTTP_CLIENT_ERROR\",\"message\":\"Redirect to ftp://u:p@example.org/b?sig=2\"}}";
        CollectingSink owner = new CollectingSink(null);
        CollectingSink admin = new CollectingSink(null);
        Subscriber ownerSubscriber = new Subscriber("u", everything, owner, senders, metrics, 100, 100, s -> { });
        Subscriber adminSubscriber = new Subscriber("root", new Subscription(null, null, null), admin, senders, metrics, 100, 100, s -> { });
        FeedEntry entry = new FeedEntry(1, "ImageDownloadFailed", "d1", "u", Instant.now(), false, frame);
        ownerSubscriber.sendCatchUp(entry);
        adminSubscriber.goLive(0);
        adminSubscriber.offer(entry);

        assertThat(owner.sent).containsExactly("{\"position\":1," + frame.substring(1));
        await().until(() -> admin.sent.size() == 1);
        assertThat(admin.sent.get(0)).isEqualTo("{\"position\":1,\"downloadId\":\"d1\",\"url\":\"https://example.com/a.png\","
                + "\"error\":{\"code\":\"HTTP_CLIENT_ERROR\",\"message\":\"Redirect to ftp://example.org/b\"}}");
    }

    private Subscriber live(CollectingSink sink, int buffer) {
        Subscriber subscriber = new Subscriber("u", everything, sink, senders, metrics, buffer, buffer, closed::add);
        subscriber.goLive(0);
        return subscriber;
    }

    private static FeedEntry entry(long position, String downloadId, boolean progress) {
        return new FeedEntry(position, progress ? "ImageFetchProgressed" : "ImageFetchStarted", downloadId, "u",
                Instant.now(), progress, "{\"downloadId\":\"" + downloadId + "\"}");
    }

    /** Records what is sent; with a latch, its first send blocks until released (a reader that stopped reading). */
    private static final class CollectingSink implements Subscriber.Sink {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final AtomicInteger closeCode = new AtomicInteger();
        volatile String closeReason;
        private final CountDownLatch block;

        CollectingSink(CountDownLatch block) {
            this.block = block;
        }

        @Override
        public void send(String text) {
            if (block != null) {
                try {
                    block.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            sent.add(text);
        }

        @Override
        public void close(int code, String reason) {
            closeReason = reason;
            closeCode.set(code);
        }

        List<Long> positions() {
            return sent.stream().map(text -> Long.parseLong(text.substring(12, text.indexOf(',')))).toList();
        }
    }
}
