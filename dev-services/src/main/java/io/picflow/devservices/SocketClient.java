package io.picflow.devservices;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A WebSocket client for tests and benchmarks, on the JDK's own {@link WebSocket}: every text frame
 * lands in a queue with the time it arrived, and the close code completes {@link #closeCode()}.
 */
public final class SocketClient implements AutoCloseable {

    /** A frame as received, with {@link System#currentTimeMillis()} at its arrival. */
    public record Frame(String text, long receivedAtMillis) {
    }

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final WebSocket socket;

    private SocketClient(URI uri, String bearer) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /** Connects to {@code ws://127.0.0.1:port} + {@code pathAndQuery}, the token (if any) in the query already. */
    public static SocketClient connect(int port, String pathAndQuery) {
        return new SocketClient(URI.create("ws://127.0.0.1:" + port + pathAndQuery), null);
    }

    /** Connects with the token in an {@code Authorization: Bearer} header. */
    public static SocketClient connectWithHeader(int port, String pathAndQuery, String token) {
        return new SocketClient(URI.create("ws://127.0.0.1:" + port + pathAndQuery), token);
    }

    /** The next frame, or an {@link AssertionError} if none arrives within {@code timeout}. */
    public Frame next(Duration timeout) {
        try {
            Frame frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("No frame within " + timeout + (closeCode.isDone() ? "; closed with "
                        + closeCode.join() + " " + closeReason.join() : ""));
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Frames up to and including the first one that matches, all within {@code timeout}. */
    public List<Frame> until(Predicate<String> last, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Frame> received = new ArrayList<>();
        while (true) {
            Frame frame = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            received.add(frame);
            if (last.test(frame.text())) {
                return received;
            }
        }
    }

    /** The frames received so far and not yet taken. */
    public List<Frame> drain() {
        List<Frame> taken = new ArrayList<>();
        frames.drainTo(taken);
        return taken;
    }

    public CompletableFuture<Integer> closeCode() {
        return closeCode;
    }

    public CompletableFuture<String> closeReason() {
        return closeReason;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(new Frame(partial.toString(), System.currentTimeMillis()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason.complete(reason);
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeReason.complete(String.valueOf(error));
            closeCode.complete(-1);
        }
    }
}
