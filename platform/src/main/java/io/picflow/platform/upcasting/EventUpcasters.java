package io.picflow.platform.upcasting;

import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every event upcaster (docs/evolving-events.md). They live here rather than in {@code shared-events},
 * which stays free of Axon runtime code and Jackson (ADR 0001), and both sides import the platform, so
 * every reader of the event store (aggregates, projections, the standalone run) upcasts alike.
 *
 * <p>One bean holding one ordered chain, so that the order is this list's and not Spring's: a later step
 * of a type (2 to 3) must come after the earlier one (1 to 2). Axon's auto-configuration puts every
 * {@link EventUpcaster} bean into the configuration's upcaster chain, which the event storage engine
 * uses ({@code AxonPostgresConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
public class EventUpcasters {

    /** Oldest step first. Steps are never removed: the event store keeps every revision ever written. */
    static EventUpcasterChain chain() {
        return new EventUpcasterChain(
                new ImageFetchedUpcaster1To2());
    }

    @Bean
    EventUpcaster picflowEventUpcasters() {
        return chain();
    }
}
