package io.picflow.platform.axon;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How much a processing group's dead-letter queue holds ({@code picflow.dead-letters.*}). Beyond, the group stops
 * rather than skip an event, loudly (LimitedDeadLetterQueue). The bounds keep a projection that fails on every
 * event from filling the database with copies of the event store.
 *
 * @param maxSequences    sequences (aggregates) with parked events per group (1024)
 * @param maxSequenceSize parked events per sequence (1024)
 */
@ConfigurationProperties("picflow.dead-letters")
public record DeadLetterLimits(@DefaultValue("1024") int maxSequences, @DefaultValue("1024") int maxSequenceSize) {

    public DeadLetterLimits {
        if (maxSequences < 1 || maxSequenceSize < 1) {
            throw new IllegalArgumentException("picflow.dead-letters.max-sequences and max-sequence-size must be at least 1");
        }
    }
}
