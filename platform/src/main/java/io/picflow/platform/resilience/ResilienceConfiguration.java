package io.picflow.platform.resilience;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The circuit breakers ({@link Breakers}) and their health component, {@code breakers}. */
@Configuration(proxyBeanMethods = false)
public class ResilienceConfiguration {

    @Bean
    Breakers breakers(MeterRegistry meters, @Value("${picflow.breakers.wait-in-open:30s}") Duration waitInOpen,
            @Value("${picflow.breakers.slow-call:10s}") Duration slowCall) {
        return new Breakers(Breakers.config(waitInOpen, slowCall), meters, Clock.systemUTC());
    }

    /** Named so that the health component is {@code breakers} (Boot drops the suffix). */
    @Bean
    BreakersHealth breakersHealthContributor(Breakers breakers) {
        return new BreakersHealth(breakers);
    }
}
