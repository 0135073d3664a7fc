package io.picflow.query.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/** What operators watch of the WebSocket feed (docs/websocket.md, "Metrics"). */
final class LiveMetrics {

    private final Counter framesSent;
    private final Counter framesCoalesced;
    private final Counter slowClosed;
    private final Timer latency;

    LiveMetrics(MeterRegistry registry, Supplier<Number> subscribers) {
        Gauge.builder("picflow.live.subscribers", subscribers, s -> s.get().doubleValue())
                .description("Open WebSocket subscriptions").strongReference(true).register(registry);
        framesSent = Counter.builder("picflow.live.frames.sent").description("Frames written to WebSocket connections")
                .register(registry);
        framesCoalesced = Counter.builder("picflow.live.frames.coalesced")
                .description("Progress frames replaced by a newer one before a slow reader got them").register(registry);
        slowClosed = Counter.builder("picflow.live.slow.closes")
                .description("Connections closed with 4429 for falling too far behind").register(registry);
        latency = Timer.builder("picflow.live.latency").description("From an event's append to its frame on the wire")
                .publishPercentileHistogram().register(registry);
    }

    void frameSent() {
        framesSent.increment();
    }

    void frameCoalesced() {
        framesCoalesced.increment();
    }

    void slowSubscriberClosed() {
        slowClosed.increment();
    }

    /** A frame written before its clock said it was appended (another node's clock ahead of this one's) counts as 0. */
    void latency(Duration appendToWire) {
        latency.record(appendToWire.isNegative() ? Duration.ZERO : appendToWire);
    }
}
