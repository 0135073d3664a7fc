package io.picflow.platform.wakeups;

import java.util.List;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

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
        super.afterCommit(List.of()); // the producer's "fetch if waiting", which local appends use
    }

    /**
     * Wakes the producer once the events are committed. Axon calls this when the unit of work commits, which is
     * the database's commit only if the unit of work began the transaction: a command sent inside a longer Spring
     * transaction (a batch of worker reports, a request with an Idempotency-Key) "commits" before it. A look then
     * would find nothing, and the events would wait for the fallback poll; so the wake-up waits for the real commit
     * (once per transaction, however many commands it carried).
     */
    @Override
    protected void afterCommit(List<? extends EventMessage<?>> events) {
        if (TransactionSynchronizationManager.isActualTransactionActive() && TransactionSynchronizationManager.isSynchronizationActive()) {
            if (!TransactionSynchronizationManager.hasResource(this)) {
                TransactionSynchronizationManager.bindResource(this, Boolean.TRUE);
                TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                    @Override
                    public void afterCommit() {
                        wakeUp();
                    }

                    @Override
                    public void afterCompletion(int status) {
                        TransactionSynchronizationManager.unbindResourceIfPossible(WakeableEventStore.this);
                    }
                });
            }
            return;
        }
        super.afterCommit(events);
    }

    @Override
    protected void prepareCommit(List<? extends EventMessage<?>> events) {
        super.prepareCommit(events);
        if (!events.isEmpty()) {
            notifier.changed(WakeUpChannels.EVENTS);
        }
    }
}
