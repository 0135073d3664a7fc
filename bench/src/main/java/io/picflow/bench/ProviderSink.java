package io.picflow.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider the service sends to, on 127.0.0.1, for the push benchmark: FCM HTTP v1 ({@link #fcm}: the OAuth token
 * endpoint of its service-account credentials and {@code POST /v1/projects/{project}/messages:send}) or Twilio's
 * Messages API ({@link #twilio}: {@code POST /2010-04-01/Accounts/{sid}/Messages.json}). The JDK's HTTP server, on a
 * pool of {@value #THREADS} threads: each call is answered after {@code delayMillis} (a real provider's latency, slept
 * in the handler's thread), so up to {@value #THREADS} calls are in progress at once.
 *
 * <p>While {@link #failHalf(boolean)} is on, every second send call is answered 503 {@code UNAVAILABLE} (a
 * provider-wide failure, which counts against the service's circuit breaker), after the same delay. The token endpoint
 * never fails. Each send call is a {@link Receipt}: when it was received and answered, and the id it was given, which
 * the service keeps as the delivery's {@code provider_id}.
 */
final class ProviderSink implements AutoCloseable {

    static final int THREADS = 256;

    static {
        // The JDK's server writes an answer's headers and body separately: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK add about 40 ms to each call. Read once, when the server's configuration class loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private static final Pattern JSON_TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]*)\"");

    enum Kind { FCM, TWILIO }

    /**
     * One send call: {@code receivedNanos}/{@code receivedMillis} when its body had been read, {@code answeredNanos} when
     * its answer was written; {@code status} the answer's; {@code providerId} the id of an accepted one (null if failed);
     * {@code to} the device token (FCM) or phone number (Twilio).
     */
    record Receipt(long receivedNanos, long receivedMillis, long answeredNanos, int status, String providerId, String to) {

        boolean accepted() {
            return status / 100 == 2;
        }
    }

    private final Kind kind;
    private final HttpServer server;
    private final ExecutorService pool;
    private final String sendPath;
    private final long delayMillis;
    private volatile boolean failHalf;
    private final AtomicLong sendCalls = new AtomicLong();
    private final AtomicLong failCounter = new AtomicLong();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();
    /** In the order answered; guarded by itself. */
    private final List<Receipt> receipts = new ArrayList<>();

    private ProviderSink(Kind kind, HttpServer server, String sendPath, long delayMillis) {
        this.kind = kind;
        this.server = server;
        this.sendPath = sendPath;
        this.delayMillis = delayMillis;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, kind.name().toLowerCase() + "-sink-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(pool);
    }

    /** FCM HTTP v1 for {@code project} on 127.0.0.1:{@code port}, with its token endpoint at {@code /token}. */
    static ProviderSink fcm(int port, String project, long delayMillis) throws IOException {
        ProviderSink sink = new ProviderSink(Kind.FCM, bind(port), "/v1/projects/" + project + "/messages:send", delayMillis);
        sink.server.createContext("/token", sink::token);
        sink.server.createContext("/v1/", sink::send);
        sink.server.createContext("/", sink::unknown);
        sink.server.start();
        return sink;
    }

    /** Twilio's Messages API for the account {@code accountSid} on 127.0.0.1:{@code port}. */
    static ProviderSink twilio(int port, String accountSid, long delayMillis) throws IOException {
        ProviderSink sink = new ProviderSink(Kind.TWILIO, bind(port), "/2010-04-01/Accounts/" + accountSid + "/Messages.json",
                delayMillis);
        sink.server.createContext("/2010-04-01/", sink::send);
        sink.server.createContext("/", sink::unknown);
        sink.server.start();
        return sink;
    }

    private static HttpServer bind(int port) throws IOException {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1024);
        } catch (IOException e) {
            throw new IOException("cannot listen on 127.0.0.1:" + port + " (taken since the script picked it?)", e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    long delayMillis() {
        return delayMillis;
    }

    /** From now on every second send call fails with 503 (on), or none does (off). */
    void failHalf(boolean on) {
        failHalf = on;
    }

    /** Send calls answered 2xx so far. */
    int accepted() {
        return accepted.get();
    }

    long sendCalls() {
        return sendCalls.get();
    }

    int tokenCalls() {
        return tokenCalls.get();
    }

    /** Send calls without the bearer token the token endpoint handed out (FCM), or without Basic auth (Twilio). */
    int unauthorized() {
        return unauthorized.get();
    }

    String firstProblem() {
        return firstProblem.get();
    }

    int size() {
        synchronized (receipts) {
            return receipts.size();
        }
    }

    /** The receipts from index {@code from} on, in the order answered. */
    List<Receipt> since(int from) {
        synchronized (receipts) {
            return new ArrayList<>(receipts.subList(Math.min(from, receipts.size()), receipts.size()));
        }
    }

    /** Waits until {@link #accepted()} reaches {@code count} or {@code deadlineNanos} passes; returns whether it did. */
    boolean awaitAccepted(int count, long deadlineNanos) throws InterruptedException {
        while (accepted.get() < count) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return true;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    // ---------------------------------------------------------------- handlers

    /** The OAuth 2.0 token endpoint of a service account: a JWT-bearer grant in, a bearer token out. */
    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(readAll(exchange.getRequestBody()), StandardCharsets.UTF_8);
            Map<String, String> form = form(body);
            String assertion = form.getOrDefault("assertion", "");
            if (!"POST".equals(exchange.getRequestMethod())
                    || !"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))
                    || assertion.split("\\.", -1).length != 3) {
                problem("token endpoint: unexpected request " + exchange.getRequestMethod() + " " + BenchSupport.abbreviate(body));
                write(exchange, 400, "{\"error\":\"invalid_grant\"}", null);
                return;
            }
            int n = tokenCalls.incrementAndGet();
            write(exchange, 200, "{\"access_token\":\"bench-access-" + n + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}", null);
        }
    }

    private void unknown(HttpExchange exchange) throws IOException {
        readAll(exchange.getRequestBody());
        reject(exchange, 404, "no such path: " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
    }

    private void send(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = readAll(exchange.getRequestBody());
            long receivedNanos = System.nanoTime();
            long receivedMillis = System.currentTimeMillis();
            String path = exchange.getRequestURI().getPath();
            if (!"POST".equals(exchange.getRequestMethod()) || !sendPath.equals(path)) {
                reject(exchange, 404, "unexpected " + exchange.getRequestMethod() + " " + path + " (expected POST " + sendPath + ")");
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            boolean authorized = kind == Kind.FCM ? auth != null && auth.startsWith("Bearer bench-access-")
                    : auth != null && auth.startsWith("Basic ");
            if (!authorized) {
                unauthorized.incrementAndGet();
                reject(exchange, 401, "send without the expected Authorization header: " + auth);
                return;
            }
            String text = new String(body, StandardCharsets.UTF_8);
            String to = kind == Kind.FCM ? first(JSON_TOKEN, text) : form(text).get("To");
            long n = sendCalls.incrementAndGet();
            sleep(delayMillis);
            if (failHalf && failCounter.incrementAndGet() % 2 == 0) {
                String answer = kind == Kind.FCM
                        ? "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\",\"message\":\"The service is currently unavailable.\"}}"
                        : "{\"code\":20503,\"message\":\"Service Unavailable\",\"more_info\":\"https://www.twilio.com/docs/errors/20503\","
                                + "\"status\":503}";
                write(exchange, 503, answer, null);
                record(new Receipt(receivedNanos, receivedMillis, System.nanoTime(), 503, null, to));
                return;
            }
            String id;
            String answer;
            int status;
            if (kind == Kind.FCM) {
                id = "bench" + n;
                answer = "{\"name\":\"" + sendPath.substring("/v1/".length(), sendPath.length() - ":send".length()) + "/" + id + "\"}";
                status = 200;
            } else {
                id = BenchSupport.format("SM%032x", n);
                answer = "{\"sid\":\"" + id + "\",\"status\":\"queued\",\"to\":\"" + (to == null ? "" : to) + "\"}";
                status = 201;
            }
            write(exchange, status, answer, null);
            accepted.incrementAndGet();
            record(new Receipt(receivedNanos, receivedMillis, System.nanoTime(), status, id, to));
        } catch (IOException | RuntimeException e) {
            problem("send: " + e);
            throw e;
        }
    }

    private void record(Receipt receipt) {
        synchronized (receipts) {
            receipts.add(receipt);
        }
    }

    /** Answers {@code status} and notes the first problem; the request's body must have been read. */
    private void reject(HttpExchange exchange, int status, String problem) throws IOException {
        try (exchange) {
            problem(problem);
            write(exchange, status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + status + "\"}}", null);
        }
    }

    private void problem(String text) {
        firstProblem.compareAndSet(null, text);
    }

    private static void write(HttpExchange exchange, int status, String json, String retryAfter) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        if (retryAfter != null) {
            exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String first(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    /** An application/x-www-form-urlencoded body, by name (the last of repeated names). */
    static Map<String, String> form(String body) {
        Map<String, String> values = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.put(name, value);
        }
        return values;
    }
}
