package io.picflow.platform.wakeups;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells other processes that a channel changed (WakeUpListener), cheaply. A NOTIFY is delivered when its transaction
 * commits, and PostgreSQL serialises the commits of notifying transactions (a database-wide lock held until the
 * commit is flushed), so notifying in every appending transaction would undo group commit under load. Instead, per
 * channel and process, at most one transaction every {@code minInterval} carries the NOTIFY (no extra commit); a
 * change that commits within that interval after it gets one trailing NOTIFY, sent after it committed, in a
 * transaction of its own that does not wait for a flush. Every change is thus followed by a NOTIFY issued after
 * its commit, and a burst costs at most two notifications per interval.
 */
public class WakeUpNotifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WakeUpNotifier.class);

    private final JdbcTemplate jdbc;
    private final long minIntervalNanos;
    /** The payload of every notification: the listener of the same application ignores them (WakeUpListener). */
    private final String origin;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final ScheduledExecutorService trailing = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "picflow-wake-up-notifier");
        thread.setDaemon(true);
        return thread;
    });

    public WakeUpNotifier(DataSource dataSource, Duration minInterval, String origin) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.minIntervalNanos = minInterval.toNanos();
        this.origin = origin;
    }

    /**
     * The caller's transaction changed {@code channel}: other processes are to look once it commits. Call it inside
     * the transaction (Spring-managed); outside one, the change is already committed and the NOTIFY goes at once.
     */
    public void changed(String channel) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            notifyNow(channel);
            return;
        }
        Channel state = channels.computeIfAbsent(channel, Channel::new);
        if (!firstChangeInTransaction(state)) {
            return; // a batch of many changes: the transaction's first one has arranged the NOTIFY already
        }
        if (state.claimSlot(System.nanoTime(), minIntervalNanos)) {
            jdbc.query("SELECT pg_notify(?, ?)", row -> { }, channel, origin);
        } else {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    requestTrailing(state);
                }
            });
        }
    }

    /** True the first time a transaction changes {@code state}'s channel; remembered until the transaction ends. */
    private static boolean firstChangeInTransaction(Channel state) {
        if (TransactionSynchronizationManager.hasResource(state)) {
            return false;
        }
        TransactionSynchronizationManager.bindResource(state, Boolean.TRUE);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(state);
            }
        });
        return true;
    }

    private void requestTrailing(Channel state) {
        if (state.trailingScheduled.compareAndSet(false, true)) {
            long wait = Math.max(0, state.lastSent.get() + minIntervalNanos - System.nanoTime());
            trailing.schedule(() -> {
                state.trailingScheduled.set(false); // a change committed from now on schedules another one
                state.lastSent.set(System.nanoTime());
                notifyNow(state.name);
            }, wait, TimeUnit.NANOSECONDS);
        }
    }

    /** A NOTIFY in a transaction of its own (one statement), which need not wait for the WAL flush. */
    private void notifyNow(String channel) {
        try {
            jdbc.query("SELECT set_config('synchronous_commit', 'off', true), pg_notify(?, ?)", row -> { }, channel, origin);
        } catch (RuntimeException e) {
            // The listeners' fallback poll finds the change a little later.
            log.debug("NOTIFY {} failed", channel, e);
        }
    }

    @Override
    public void close() {
        trailing.shutdownNow();
    }

    private static final class Channel {

        final String name;
        final AtomicLong lastSent = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));
        final AtomicBoolean trailingScheduled = new AtomicBoolean();

        Channel(String name) {
            this.name = name;
        }

        /** Takes this interval's in-transaction NOTIFY, if nobody has. */
        boolean claimSlot(long now, long minIntervalNanos) {
            long last = lastSent.get();
            return now - last >= minIntervalNanos && lastSent.compareAndSet(last, now);
        }
    }
}
