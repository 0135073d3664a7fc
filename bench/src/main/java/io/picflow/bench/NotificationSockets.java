package io.picflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code /ws?scope=notifications} connection per user (the token in an {@code Authorization: Bearer} header, as
 * docs/websocket.md allows for clients that can set handshake headers), collecting every {@code Notification} frame
 * with the time it arrived. Frames are matched to their source events afterwards, by notification id.
 */
final class NotificationSockets implements AutoCloseable {

    /** The first "type" is the frame's own: the service writes it first (a Notification's subject has a "type" too). */
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern NOTIFICATION_ID = Pattern.compile("\"notificationId\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern CREATED_AT = Pattern.compile("\"createdAt\"\\s*:\\s*\"([^\"]*)\"");

    /**
     * A Notification frame: its notification id, {@link System#currentTimeMillis()} when its last part arrived, and its
     * {@code createdAt} (null if missing or unreadable).
     */
    record Frame(String notificationId, long receivedMillis, Instant createdAt) {
    }

    private final List<WebSocket> sockets = new ArrayList<>();
    private final CountDownLatch caughtUp;
    /** Guarded by itself. */
    private final List<Frame> frames = new ArrayList<>();
    private final AtomicInteger notifications = new AtomicInteger();
    private final AtomicInteger unexpectedCloses = new AtomicInteger();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();

    private NotificationSockets(int connections) {
        this.caughtUp = new CountDownLatch(connections);
    }

    /**
     * Opens a connection for each token to {@code base}'s {@code /ws?scope=notifications} and waits until every one
     * has sent {@code CaughtUp} (what follows is live); an IllegalStateException if that takes over {@code timeout}.
     */
    static NotificationSockets open(HttpClient http, URI base, List<String> tokens, Duration timeout) throws InterruptedException {
        NotificationSockets sockets = new NotificationSockets(tokens.size());
        URI uri = URI.create("ws://" + base.getAuthority() + "/ws?scope=notifications");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
        for (String token : tokens) {
            opening.add(http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token).buildAsync(uri, sockets.new Listener()));
        }
        try {
            for (CompletableFuture<WebSocket> future : opening) {
                sockets.sockets.add(future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            if (!sockets.caughtUp.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException(sockets.caughtUp.getCount() + " of " + tokens.size()
                        + " notification sockets sent no CaughtUp within " + timeout.toSeconds() + " s"
                        + (sockets.firstProblem() == null ? "" : "; first problem: " + sockets.firstProblem()));
            }
        } catch (ExecutionException | TimeoutException e) {
            sockets.close();
            throw new IllegalStateException("Could not open a notification socket: " + e, e);
        } catch (RuntimeException | InterruptedException e) {
            sockets.close();
            throw e;
        }
        return sockets;
    }

    /** Notification frames received so far. */
    int notifications() {
        return notifications.get();
    }

    /** Waits until {@code count} Notification frames arrived or {@code deadlineNanos} passed; returns whether they did. */
    boolean awaitNotifications(int count, long deadlineNanos) throws InterruptedException {
        while (notifications.get() < count) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return true;
    }

    /** The Notification frames received so far, in the order they arrived. */
    List<Frame> frames() {
        synchronized (frames) {
            return new ArrayList<>(frames);
        }
    }

    /** Connections the server closed (or that failed) while open, other than by our own close. */
    int unexpectedCloses() {
        return unexpectedCloses.get();
    }

    /** The first close or error of a connection, as "code reason" or the exception; null if none. */
    String firstProblem() {
        return firstProblem.get();
    }

    @Override
    public void close() {
        for (WebSocket socket : sockets) {
            socket.abort(); // the run is over: no need for a closing handshake per connection
        }
    }

    /** One connection's frames; the JDK calls a listener for one frame at a time. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private boolean caughtUpSeen;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.currentTimeMillis();
                String text = partial.toString();
                partial.setLength(0);
                frame(text, now);
            }
            webSocket.request(1);
            return null;
        }

        private void frame(String text, long receivedMillis) {
            String type = group(TYPE, text);
            if ("Notification".equals(type)) {
                Frame frame = new Frame(group(NOTIFICATION_ID, text), receivedMillis, instant(group(CREATED_AT, text)));
                synchronized (frames) {
                    frames.add(frame);
                }
                notifications.incrementAndGet();
            } else if ("CaughtUp".equals(type) && !caughtUpSeen) {
                caughtUpSeen = true;
                caughtUp.countDown();
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            unexpectedCloses.incrementAndGet();
            firstProblem.compareAndSet(null, "closed with " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            unexpectedCloses.incrementAndGet();
            firstProblem.compareAndSet(null, error.toString());
        }
    }

    private static String group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
