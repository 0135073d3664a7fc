package io.picflow.command.notifications;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A stand-in for Twilio's Messages API on a local port: answers 201 with a message sid, or what a test scripted for a
 * number, or 503 for everything while {@link #down}. Every request is kept with the status it was answered with.
 */
final class FakeSmsProvider implements AutoCloseable {

    /** One request: its headers and form fields, and the status it got. */
    record Exchange(String path, String authorization, String idempotencyToken, Map<String, String> form, int status) {
    }

    final String accountSid;
    final String authToken;
    final String from;
    volatile boolean down;
    private final MockWebServer server = new MockWebServer();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<MockResponse>> scripted = new ConcurrentHashMap<>();
    private final AtomicInteger sids = new AtomicInteger();

    FakeSmsProvider(String accountSid, String authToken, String from) {
        this.accountSid = accountSid;
        this.authToken = authToken;
        this.from = from;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String baseUrl() {
        return server.url("/").toString();
    }

    /** The next answers to messages for {@code to}, in order; then the usual. */
    void script(String to, MockResponse... answers) {
        scripted.computeIfAbsent(to, key -> new ConcurrentLinkedDeque<>()).addAll(List.of(answers));
    }

    static MockResponse error(int status, int code, String message) {
        return json(status, "{\"code\":" + code + ",\"message\":\"" + message + "\",\"more_info\":\"https://www.twilio.com/docs/errors/"
                + code + "\",\"status\":" + status + "}");
    }

    static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
    }

    List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    List<Exchange> to(String phone) {
        return exchanges.stream().filter(exchange -> phone.equals(exchange.form().get("To"))).toList();
    }

    /** The requests for this delivery (its idempotency token) that were accepted. */
    long accepted(String deliveryId) {
        return exchanges.stream().filter(e -> deliveryId.equals(e.idempotencyToken()) && e.status() == 201).count();
    }

    long requestsFor(String deliveryId) {
        return exchanges.stream().filter(e -> deliveryId.equals(e.idempotencyToken())).count();
    }

    private MockResponse answer(RecordedRequest request) {
        Map<String, String> form = form(request.getBody() == null ? "" : request.getBody().utf8());
        Deque<MockResponse> next = scripted.get(form.getOrDefault("To", ""));
        MockResponse answer = next != null && !next.isEmpty() ? next.poll()
                : down ? error(503, 20500, "Service unavailable")
                : json(201, "{\"sid\":\"SM" + accountSid.substring(2, 6) + sids.incrementAndGet() + "\",\"status\":\"queued\"}");
        exchanges.add(new Exchange(request.getUrl().encodedPath(), request.getHeaders().get("Authorization"),
                request.getHeaders().get("I-Twilio-Idempotency-Token"), form, answer.getCode()));
        return answer;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                fields.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
