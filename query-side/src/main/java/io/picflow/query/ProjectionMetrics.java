package io.picflow.query;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Per processing group: events handled ({@code picflow.projections.events}), events per batch
 * ({@code picflow.projections.batch.size}); how far its segments on this node are behind the head of
 * the event store ({@link ProjectionLag}). Dead letters: {@link DeadLetterMetrics}.
 */
@Configuration(proxyBeanMethods = false)
class ProjectionMetrics {

    @Bean
    ConfigurerModule projectionMetricsInterceptors(MeterRegistry registry) {
        return configurer -> configurer.eventProcessing(processing -> QuerySideConfiguration.ALL_PROCESSING_GROUPS.forEach(group -> {
            Counter events = Counter.builder("picflow.projections.events").tag("group", group)
                    .description("Events handled by the processing group").register(registry);
            DistributionSummary batches = DistributionSummary.builder("picflow.projections.batch.size").tag("group", group)
                    .description("Events per batch (one transaction each)").register(registry);
            processing.registerHandlerInterceptor(group, config -> batchCounter(events, batches));
        }));
    }

    private static MessageHandlerInterceptor<org.axonframework.eventhandling.EventMessage<?>> batchCounter(Counter events,
            DistributionSummary batches) {
        return (unitOfWork, chain) -> {
            events.increment();
            if (unitOfWork instanceof BatchingUnitOfWork<?> batch && batch.isFirstMessage(unitOfWork.getMessage())) {
                batches.record(batch.getMessages().size());
            }
            return chain.proceed();
        };
    }
}
