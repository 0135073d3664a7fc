package io.picflow.command;

import com.github.kagkarlsson.scheduler.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.messaging.ScopeDescriptor;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Axon's db-scheduler deadline manager, whose deadlines run when they are due without db-scheduler polling for them
 * every second. Each deadline scheduled here also sets a timer in this process, armed once the transaction that
 * stored the deadline commits: at the due time it asks db-scheduler to look for due executions. Cancelling the
 * deadline cancels the timer. db-scheduler's own poll ({@code db-scheduler.polling-interval}) stays as the fallback:
 * for deadlines whose node stopped before they were due, and for timers beyond {@link #MAX_TIMERS}. An idle service
 * thus reads the deadline table once per poll interval instead of once a second (ADR 0014).
 */
public class PromptDeadlineManager extends DbSchedulerDeadlineManager {

    /** Beyond this many pending timers, deadlines wait for the fallback poll: memory stays bounded. */
    static final int MAX_TIMERS = 100_000;
    /** How long after its due time a deadline's timer asks db-scheduler to look. */
    static final Duration FIRE_AFTER_DUE = Duration.ofMillis(25);

    private final Scheduler scheduler;
    private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor clock = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "picflow-deadline-timer");
        thread.setDaemon(true);
        return thread;
    });

    public PromptDeadlineManager(DbSchedulerDeadlineManager.Builder builder, Scheduler scheduler) {
        super(builder.scheduler(scheduler));
        this.scheduler = scheduler;
        // A cancelled timer leaves the queue at once, not at its due time: cancelled watchdogs do not pile up.
        clock.setRemoveOnCancelPolicy(true);
    }

    @Override
    public String schedule(Instant triggerDateTime, String deadlineName, Object messageOrPayload, ScopeDescriptor deadlineScope) {
        String scheduleId = super.schedule(triggerDateTime, deadlineName, messageOrPayload, deadlineScope);
        afterCommit(() -> arm(scheduleId, triggerDateTime));
        return scheduleId;
    }

    @Override
    public void cancelSchedule(String deadlineName, String scheduleId) {
        super.cancelSchedule(deadlineName, scheduleId);
        ScheduledFuture<?> timer = timers.remove(scheduleId);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void arm(String scheduleId, Instant due) {
        if (timers.size() >= MAX_TIMERS) {
            return;
        }
        // db-scheduler runs what is due by the wall clock; the timer runs by the monotonic one, and milliseconds were
        // truncated: a timer exactly on time can fire a little before the deadline is due, find nothing, and leave
        // it to the fallback poll. A small margin after the due time avoids that.
        long delay = Math.max(0, Duration.between(Instant.now(), due).toNanos()) + FIRE_AFTER_DUE.toNanos();
        ScheduledFuture<?> timer = clock.schedule(() -> {
            timers.remove(scheduleId);
            scheduler.triggerCheckForDueExecutions();
        }, delay, TimeUnit.NANOSECONDS);
        timers.put(scheduleId, timer);
        if (timer.isDone()) {
            timers.remove(scheduleId, timer); // it ran before it was recorded
        }
    }

    private static void afterCommit(Runnable action) {
        if (TransactionSynchronizationManager.isSynchronizationActive() && TransactionSynchronizationManager.isActualTransactionActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    action.run();
                }
            });
        } else {
            action.run();
        }
    }

    @Override
    public void shutdown() {
        clock.shutdownNow();
        super.shutdown();
    }
}
