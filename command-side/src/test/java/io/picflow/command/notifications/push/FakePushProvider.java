package io.picflow.command.notifications.push;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A push provider's stand-in on a {@link MockWebServer}: each device token can be given the answers it gets, in order
 * ({@link #answer}); after them, or without any, it is accepted. While {@link #down} is set, every send gets that
 * answer instead (the provider is down). Every send is recorded, with its device token.
 */
abstract class FakePushProvider extends Dispatcher implements AutoCloseable {

    /** A send as received: the device token it was for, the request, and the status it was answered. */
    record Send(String deviceToken, RecordedRequest request, int status) {

        boolean accepted() {
            return status == 200;
        }
    }

    final MockWebServer server = new MockWebServer();
    final List<Send> sends = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<MockResponse>> scripted = new ConcurrentHashMap<>();
    volatile MockResponse down;

    FakePushProvider() {
        server.setDispatcher(this);
    }

    /** The answers the token's next sends get, one each. */
    void answer(String deviceToken, MockResponse... answers) {
        Deque<MockResponse> queue = scripted.computeIfAbsent(deviceToken, token -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addAll(List.of(answers));
        }
    }

    List<Send> sendsTo(String deviceToken) {
        return sends.stream().filter(send -> send.deviceToken().equals(deviceToken)).toList();
    }

    /** Sends this provider accepted, to the token. */
    long acceptedTo(String deviceToken) {
        return sendsTo(deviceToken).stream().filter(Send::accepted).count();
    }

    /** The answer to a send for {@code deviceToken}: scripted, or down, or {@link #accepted}. */
    MockResponse sent(String deviceToken, RecordedRequest request) {
        MockResponse answer = down;
        if (answer == null) {
            Deque<MockResponse> queue = scripted.get(deviceToken);
            if (queue != null) {
                synchronized (queue) {
                    answer = queue.poll();
                }
            }
        }
        if (answer == null) {
            answer = accepted(request);
        }
        sends.add(new Send(deviceToken, request, answer.getCode()));
        return answer;
    }

    abstract MockResponse accepted(RecordedRequest request);

    @Override
    public void close() {
        server.close();
    }
}
