package io.picflow.platform.wakeups;

import java.util.List;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;

/**
 * Axon's embedded event store, which other processes can wake and which wakes them. Its producer (the one thread
 * that reads new events for every tracking consumer in this process) waits {@code fetchDelay} between looks when
 * it finds nothing, and is woken at once by appends of this process. Appends of other processes arrive as a NOTIFY
 * ({@link #wakeUp}), so the delay is only the fallback should a notification be lost; and each append tells the
 * other processes, in its own transaction (WakeUpNotifier).
 */
public class WakeableEventStore extends EmbeddedEventStore {

    private final WakeUpNotifier notifier;

    public WakeableEventStore(Builder builder, WakeUpNotifier notifier) {
        super(builder);
        this.notifier = notifier;
    }

    /** Another process appended events: fetch them now rather than at the next look. */
    public void wakeUp() {
        afterCommit(List.of()); // the producer's "fetch if waiting", which local appends use
    }

    @Override
    protected void prepareCommit(List<? extends EventMessage<?>> events) {
        super.prepareCommit(events);
        if (!events.isEmpty()) {
            notifier.changed(WakeUpChannels.EVENTS);
        }
    }
}
