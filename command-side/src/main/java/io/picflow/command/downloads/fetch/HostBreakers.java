package io.picflow.command.downloads.fetch;

import static io.picflow.events.downloads.DownloadErrorCodes.CONNECTION_FAILED;
import static io.picflow.events.downloads.DownloadErrorCodes.CONNECTION_RESET;
import static io.picflow.events.downloads.DownloadErrorCodes.CONNECT_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.DNS_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.FORBIDDEN_ADDRESS;
import static io.picflow.events.downloads.DownloadErrorCodes.INTERNAL_ERROR;
import static io.picflow.events.downloads.DownloadErrorCodes.RATE_LIMITED;
import static io.picflow.events.downloads.DownloadErrorCodes.SERVER_ERROR;
import static io.picflow.events.downloads.DownloadErrorCodes.STALLED;
import static io.picflow.events.downloads.DownloadErrorCodes.UNKNOWN_HOST;
import static io.picflow.events.downloads.DownloadErrorCodes.UNSUPPORTED_SCHEME;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.resilience.BreakersHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * One circuit breaker per image host (issue 19): a host that keeps failing makes its downloads wait instead of
 * burning their attempts on it. A breaker counts only the host's transient failures ({@link #FAILURES_OF_THE_HOST}:
 * connect failure or timeout, reset, stall, 5xx, 429); any other answer, a 404 or an image that does not validate,
 * proves the host is there and counts as a success. A fetch is counted against the host of its URL, the one whose
 * breaker let it start, even when a redirect took it elsewhere and another hop failed: the gate and the count must be
 * the same breaker for its trial calls to add up.
 *
 * <p>Not in the platform's {@link io.picflow.platform.resilience.Breakers}: those are a handful of named dependencies
 * with per-breaker metric tags, and hosts are unbounded. Here at most {@code picflow.downloads.host-breakers.max}
 * breakers are kept, the least recently used evicted (a host not asked for in a while has nothing worth
 * remembering), and the metrics are aggregates: {@code picflow.downloads.host_breakers{state}},
 * {@code picflow.downloads.host_breakers.evictions} and {@code picflow.breaker.transitions{name="download-host"}}.
 * The {@code breakers} health component gets one entry for all of them, {@code download-hosts}.
 */
@Component
public class HostBreakers {

    private static final Logger log = LoggerFactory.getLogger(HostBreakers.class);
    static final String TRANSITIONS_NAME = "download-host";

    /** The codes that count against a host: it did not answer, or answered that it cannot serve now. */
    static final Set<String> FAILURES_OF_THE_HOST = Set.of(CONNECTION_FAILED, CONNECT_TIMEOUT, CONNECTION_RESET, STALLED,
            SERVER_ERROR, RATE_LIMITED);
    /** Outcomes that say nothing about the host (no call reached it, or our own failure): neither success nor failure. */
    static final Set<String> NOT_ABOUT_THE_HOST = Set.of(DNS_TIMEOUT, UNKNOWN_HOST, FORBIDDEN_ADDRESS, UNSUPPORTED_SCHEME,
            INTERNAL_ERROR);

    private final CircuitBreakerRegistry registry;
    private final int max;
    private final Duration waitInOpen;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Counter evictions;
    /** Access-ordered: the eldest entry is the least recently used host, evicted beyond {@link #max}. */
    private final LinkedHashMap<String, CircuitBreaker> byHost = new LinkedHashMap<>(16, 0.75f, true);
    /** When each open breaker opened: what {@link #retryIn} counts from (Resilience4j does not say). */
    private final Map<String, Instant> openedAt = new ConcurrentHashMap<>();
    private final List<Consumer<String>> closedListeners = new CopyOnWriteArrayList<>();

    @Autowired
    HostBreakers(@Value("${picflow.downloads.host-breakers.max:10000}") int max,
            @Value("${picflow.downloads.host-breakers.wait-in-open:30s}") Duration waitInOpen, DownloadsProperties downloads,
            MeterRegistry meters, ObjectProvider<BreakersHealth> health) {
        this(max, waitInOpen, downloads.watchdogTimeout(), meters, Clock.systemUTC());
        health.ifAvailable(component -> component.add("download-hosts", health()));
    }

    /**
     * @param maxWaitInHalfOpen how long a half-open breaker waits for its trial calls at most before it opens again (and
     *                          later lets new trials through): a safety net, should a trial call never be counted
     */
    HostBreakers(int max, Duration waitInOpen, Duration maxWaitInHalfOpen, MeterRegistry meters, Clock clock) {
        if (max < 1) {
            throw new IllegalArgumentException("picflow.downloads.host-breakers.max must be at least 1, not " + max);
        }
        this.max = max;
        this.waitInOpen = waitInOpen;
        this.meters = meters;
        this.clock = clock;
        this.registry = CircuitBreakerRegistry.of(config(waitInOpen, maxWaitInHalfOpen));
        this.evictions = Counter.builder("picflow.downloads.host_breakers.evictions")
                .description("Host circuit breakers dropped, least recently used first, to stay within the maximum")
                .register(meters);
        for (CircuitBreaker.State state : List.of(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN,
                CircuitBreaker.State.CLOSED)) {
            Gauge.builder("picflow.downloads.host_breakers", this, breakers -> breakers.count(state))
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("Download host circuit breakers in each state").register(meters);
        }
    }

    /**
     * Half of the last 10 calls (5 at least) failed: open for {@code waitInOpen}, then 3 trial calls. Never for slowness:
     * a large image on a slow link is a long call, not a failing host (the stall timeout catches a host that stops).
     * A trial call is counted when its body is complete, so a long transfer keeps its breaker half-open that long.
     */
    static CircuitBreakerConfig config(Duration waitInOpen, Duration maxWaitInHalfOpen) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .waitDurationInOpenState(waitInOpen)
                .permittedNumberOfCallsInHalfOpenState(3)
                .maxWaitDurationInHalfOpenState(maxWaitInHalfOpen)
                // Open to half-open on the next asking after the wait: no timer per host.
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
    }

    /**
     * The breaker key of a URL: its host, lower-case (as OkHttp normalises it), with the port when it is not the
     * scheme's default. Hosts on different ports are different servers as far as failing goes.
     */
    static String keyOf(String url) {
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            return "";
        }
        String host = parsed.host().toLowerCase(Locale.ROOT);
        return parsed.port() == HttpUrl.defaultPort(parsed.scheme()) ? host : host + ":" + parsed.port();
    }

    /** A call to the host if its breaker lets one through now (a trial call when half-open); null while it is open. */
    Call tryCall(String host) {
        CircuitBreaker breaker = breaker(host);
        return breaker.tryAcquirePermission() ? new Call(breaker, System.nanoTime()) : null;
    }

    /** How long until the host's breaker lets a trial call through: zero unless it is open. */
    Duration retryIn(String host) {
        CircuitBreaker breaker = find(host);
        if (breaker == null || breaker.getState() != CircuitBreaker.State.OPEN) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(clock.instant(), openedAt.getOrDefault(host, clock.instant()).plus(waitInOpen));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** The wait of an open breaker. */
    Duration waitInOpen() {
        return waitInOpen;
    }

    /** The state of the host's breaker, or null when it has none (never used, or evicted). Does not count as a use. */
    CircuitBreaker.State stateOf(String host) {
        CircuitBreaker breaker = find(host);
        return breaker == null ? null : breaker.getState();
    }

    /** Called with the host whenever one of the breakers closes, on the thread that closed it. */
    void onClosed(Consumer<String> listener) {
        closedListeners.add(listener);
    }

    synchronized int size() {
        return byHost.size();
    }

    synchronized int count(CircuitBreaker.State state) {
        int count = 0;
        for (CircuitBreaker breaker : byHost.values()) {
            if (breaker.getState() == state) {
                count++;
            }
        }
        return count;
    }

    /**
     * The {@code download-hosts} entry of the {@code breakers} health component: {@code OPEN} if any host's breaker is
     * open, else {@code HALF_OPEN} if any is, else {@code CLOSED}, with the counts. These statuses rank after UP, so a
     * failing image host never changes the service's health.
     */
    HealthIndicator health() {
        return () -> {
            Map<CircuitBreaker.State, Integer> counts = counts();
            String status = counts.get(CircuitBreaker.State.OPEN) > 0 ? "OPEN"
                    : counts.get(CircuitBreaker.State.HALF_OPEN) > 0 ? "HALF_OPEN" : "CLOSED";
            return Health.status(new Status(status))
                    .withDetail("open", counts.get(CircuitBreaker.State.OPEN))
                    .withDetail("halfOpen", counts.get(CircuitBreaker.State.HALF_OPEN))
                    .withDetail("closed", counts.get(CircuitBreaker.State.CLOSED))
                    .withDetail("max", max)
                    .withDetail("evictions", (long) evictions.count())
                    .build();
        };
    }

    private synchronized Map<CircuitBreaker.State, Integer> counts() {
        Map<CircuitBreaker.State, Integer> counts = new EnumMap<>(CircuitBreaker.State.class);
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            counts.put(state, 0);
        }
        byHost.values().forEach(breaker -> counts.merge(breaker.getState(), 1, Integer::sum));
        return counts;
    }

    private synchronized CircuitBreaker find(String host) {
        // A LinkedHashMap in access order is reordered by get: peek through the registry instead.
        return byHost.containsKey(host) ? registry.find(host).orElse(null) : null;
    }

    private synchronized boolean isCurrent(String host, CircuitBreaker breaker) {
        return byHost.containsKey(host) && registry.find(host).orElse(null) == breaker;
    }

    /** The host's breaker, created on first use; marks the host as recently used, and evicts beyond the maximum. */
    private synchronized CircuitBreaker breaker(String host) {
        CircuitBreaker breaker = byHost.get(host);
        if (breaker != null) {
            return breaker;
        }
        CircuitBreaker created = registry.circuitBreaker(host);
        created.getEventPublisher().onStateTransition(event -> transitioned(host, created, event.getStateTransition()));
        breaker = created;
        byHost.put(host, breaker);
        while (byHost.size() > max) {
            Map.Entry<String, CircuitBreaker> eldest = byHost.entrySet().iterator().next();
            byHost.remove(eldest.getKey());
            registry.remove(eldest.getKey());
            openedAt.remove(eldest.getKey());
            evictions.increment();
        }
        return breaker;
    }

    private void transitioned(String host, CircuitBreaker breaker, CircuitBreaker.StateTransition transition) {
        meters.counter("picflow.breaker.transitions", "name", TRANSITIONS_NAME, "from", transition.getFromState().name(),
                "to", transition.getToState().name()).increment();
        if (!isCurrent(host, breaker)) {
            return; // evicted while a call was under way: what it learnt is dropped with it
        }
        switch (transition.getToState()) {
            case OPEN -> {
                openedAt.put(host, clock.instant());
                log.warn("Circuit breaker of download host {} opened ({}): its downloads wait {}", host, transition, waitInOpen);
            }
            case CLOSED -> {
                openedAt.remove(host);
                log.info("Circuit breaker of download host {}: {}", host, transition);
                closedListeners.forEach(listener -> listener.accept(host));
            }
            default -> log.info("Circuit breaker of download host {}: {}", host, transition);
        }
    }

    /** One call to a host, counted once: as the host's failure, as its answer, or (nothing learnt) not at all. */
    static final class Call {

        private final CircuitBreaker breaker;
        private final long startNanos;
        private final AtomicBoolean done = new AtomicBoolean();

        private Call(CircuitBreaker breaker, long startNanos) {
            this.breaker = breaker;
            this.startNanos = startNanos;
        }

        /** The host answered (whatever the answer, a whole body, a 404, or a body too large). */
        void answered() {
            if (done.compareAndSet(false, true)) {
                breaker.onSuccess(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            }
        }

        /** Counts the failure against the host only if it is one of the host's ({@link #FAILURES_OF_THE_HOST}). */
        void failed(FetchFailure failure) {
            if (FAILURES_OF_THE_HOST.contains(failure.code())) {
                if (done.compareAndSet(false, true)) {
                    breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, failure);
                }
            } else if (NOT_ABOUT_THE_HOST.contains(failure.code())) {
                release();
            } else {
                answered();
            }
        }

        /** Nothing was learnt about the host (stopped on purpose, or our own failure): a trial call is given back. */
        void release() {
            if (done.compareAndSet(false, true)) {
                breaker.releasePermission();
            }
        }
    }
}
