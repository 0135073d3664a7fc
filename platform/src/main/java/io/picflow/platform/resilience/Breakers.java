package io.picflow.platform.resilience;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breakers of picflow's outbound dependencies ({@code smtp}, {@code fcm}, {@code apns}, {@code sms},
 * {@code sms-fallback}, {@code elasticsearch}, and later one per webhook endpoint), on Resilience4j (ADR 0018): each
 * opens when at least {@code failureRate}% of its last {@code window} calls (and at least {@code minimumCalls}) failed
 * for a reason of the dependency's (never for a verdict about one request), stays open for {@code waitInOpen}, then
 * lets a few trial calls through (half-open) and closes again when they succeed.
 *
 * <p>Their states, calls and transitions are metrics ({@code resilience4j.circuitbreaker.*},
 * {@code picflow.breaker.transitions}), and each appears under the {@code breakers} health component, which never
 * changes the service's overall status ({@link BreakersHealth}).
 */
public class Breakers {

    private static final Logger log = LoggerFactory.getLogger(Breakers.class);

    private final CircuitBreakerRegistry registry;
    private final MeterRegistry meters;
    private final Duration waitInOpen;
    private final Clock clock;
    /** When each breaker last opened: what {@link #retryIn} counts from (Resilience4j does not say). */
    private final Map<String, Instant> openedAt = new ConcurrentHashMap<>();

    public Breakers(CircuitBreakerConfig config, MeterRegistry meters, Clock clock) {
        this.registry = CircuitBreakerRegistry.of(config);
        this.meters = meters;
        this.waitInOpen = config.getWaitIntervalFunctionInOpenState().apply(1) == null ? Duration.ofSeconds(30)
                : Duration.ofMillis(config.getWaitIntervalFunctionInOpenState().apply(1));
        this.clock = clock;
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    }

    /** The defaults: half of the last 20 calls failed (10 at least), open for {@code waitInOpen}, 3 trial calls. */
    public static CircuitBreakerConfig config(Duration waitInOpen, Duration slowCall) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(10)
                .failureRateThreshold(50)
                .slowCallDurationThreshold(slowCall)
                .slowCallRateThreshold(100) // slow calls alone open it only when every call is slow
                .waitDurationInOpenState(waitInOpen)
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // Only what a call reports with onError counts; a call's own verdicts are reported as successes.
                .recordExceptions(Throwable.class)
                .build();
    }

    /** The breaker of that name, created on first use. */
    public CircuitBreaker get(String name) {
        return registry.find(name).orElseGet(() -> create(name));
    }

    private synchronized CircuitBreaker create(String name) {
        return registry.find(name).orElseGet(() -> {
            CircuitBreaker breaker = registry.circuitBreaker(name);
            breaker.getEventPublisher().onStateTransition(event -> {
                CircuitBreaker.StateTransition transition = event.getStateTransition();
                if (transition.getToState() == CircuitBreaker.State.OPEN) {
                    openedAt.put(name, clock.instant());
                }
                meters.counter("picflow.breaker.transitions", "name", name, "from", transition.getFromState().name(),
                        "to", transition.getToState().name()).increment();
                if (transition.getToState() == CircuitBreaker.State.OPEN) {
                    log.warn("Circuit breaker {} opened ({}): calls to it wait {}", name, transition, waitInOpen);
                } else {
                    log.info("Circuit breaker {}: {}", name, transition);
                }
            });
            return breaker;
        });
    }

    /**
     * Whether a call to {@code name} would be tried now, without taking one of the half-open trial calls: false only
     * while it is open and its wait has not run out.
     */
    public boolean permitsNow(String name) {
        return retryIn(name).isZero();
    }

    /** How long until {@code name} lets a trial call through: zero unless it is open. */
    public Duration retryIn(String name) {
        CircuitBreaker breaker = registry.find(name).orElse(null);
        if (breaker == null || breaker.getState() != CircuitBreaker.State.OPEN) {
            return Duration.ZERO;
        }
        Instant opened = openedAt.getOrDefault(name, clock.instant());
        Duration left = Duration.between(clock.instant(), opened.plus(waitInOpen));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** The wait of an open breaker. */
    public Duration waitInOpen() {
        return waitInOpen;
    }

    /**
     * Runs {@code call} through the breaker {@code name}: a {@link CallNotPermittedException} at once while it is open;
     * otherwise the call's result, its exception counted as a failure of the dependency when {@code countsAgainst}
     * says so (a client's mistake, or a verdict about one request, is not the dependency's failure).
     */
    public <T> T call(String name, Supplier<T> call, java.util.function.Predicate<Throwable> countsAgainst) {
        CircuitBreaker breaker = get(name);
        breaker.acquirePermission();
        long start = System.nanoTime();
        try {
            T result = call.get();
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (RuntimeException | Error e) {
            if (countsAgainst.test(e)) {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            } else {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            throw e;
        }
    }

    Iterable<CircuitBreaker> all() {
        return registry.getAllCircuitBreakers();
    }

    CircuitBreaker find(String name) {
        return registry.find(name).orElse(null);
    }
}
