package io.picflow.platform.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code breakers} component of {@code /actuator/health}: one entry per breaker, whose status is the breaker's
 * state ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ...), plus what other parts add (the download hosts, as one
 * aggregate entry). These statuses come after {@code UP} in {@code management.endpoint.health.status.order}, so an
 * open breaker shows here without changing the service's overall status: a dependency that fails is the breaker's
 * business, and taking the node out of a load balancer for it would only make things worse.
 */
public class BreakersHealth implements CompositeHealthContributor {

    private final Breakers breakers;
    private final Map<String, HealthIndicator> extra = new ConcurrentHashMap<>();

    public BreakersHealth(Breakers breakers) {
        this.breakers = breakers;
    }

    /** Adds an entry computed elsewhere (an aggregate of many breakers). */
    public void add(String name, HealthIndicator indicator) {
        extra.put(name, indicator);
    }

    @Override
    public HealthContributor getContributor(String name) {
        HealthIndicator indicator = extra.get(name);
        if (indicator != null) {
            return indicator;
        }
        CircuitBreaker breaker = breakers.find(name);
        return breaker == null ? null : indicator(breaker);
    }

    @Override
    public Stream<Entry> stream() {
        List<Entry> entries = new ArrayList<>();
        StreamSupport.stream(breakers.all().spliterator(), false)
                .forEach(breaker -> entries.add(new Entry(breaker.getName(), indicator(breaker))));
        extra.forEach((name, indicator) -> entries.add(new Entry(name, indicator)));
        entries.sort(java.util.Comparator.comparing(Entry::name));
        return entries.stream();
    }

    private static HealthIndicator indicator(CircuitBreaker breaker) {
        return () -> Health.status(new Status(breaker.getState().name()))
                .withDetail("failureRate", breaker.getMetrics().getFailureRate())
                .withDetail("notPermittedCalls", breaker.getMetrics().getNumberOfNotPermittedCalls())
                .build();
    }
}
