package io.picflow.query.rebuild;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.config.Configuration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.micrometer.TagsUtil;
import org.axonframework.monitoring.MessageMonitor;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * The metrics of a rebuild's processor ({@code <group>.rebuild}). Axon gives a monitor only to the processors it
 * builds itself; a rebuild builds its own, so it asks Axon's configuration for the same monitor the live processors
 * have (latency, capacity, counters and timers, tagged {@code processorName}). When the rebuild ends its meters are
 * removed: otherwise its gauges would show their last value for ever, and the next rebuild of that group, whose new
 * monitor registers gauges under the same names and tags, would be handed the old ones.
 */
@Component
class RebuildMonitors {

    private final Configuration axon;
    private final MeterRegistry registry;

    RebuildMonitors(@Lazy Configuration axon, MeterRegistry registry) {
        this.axon = axon;
        this.registry = registry;
    }

    MessageMonitor<? super EventMessage<?>> monitor(String processorName) {
        return axon.messageMonitor(PooledStreamingEventProcessor.class, processorName);
    }

    /** Removes every meter of {@code processorName}; call it once that processor has stopped. */
    void remove(String processorName) {
        for (Meter meter : registry.getMeters()) {
            if (processorName.equals(meter.getId().getTag(TagsUtil.PROCESSOR_NAME_TAG))) {
                registry.remove(meter);
            }
        }
    }
}
