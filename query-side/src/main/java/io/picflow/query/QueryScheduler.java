package io.picflow.query;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The query side's own db-scheduler, on its own table ({@code query_scheduled_tasks}, query V9), running every
 * {@link QueryJob}. The table's row locks make each run happen on one node only, wherever several query nodes share
 * the database. It looks for due runs every {@code picflow.query.scheduler.polling-interval} (10 s): its jobs run
 * hourly, and an idle service should cost next to nothing.
 */
@Component
class QueryScheduler implements SmartLifecycle {

    static final String TABLE = "query_scheduled_tasks";

    private final Scheduler scheduler;
    private volatile boolean running;

    /** {@code querySideFlyway} is a parameter so that the table exists before the scheduler looks at it. */
    QueryScheduler(DataSource dataSource, List<QueryJob> jobs, Flyway querySideFlyway,
            @Value("${picflow.query.scheduler.polling-interval:10s}") Duration pollingInterval) {
        List<RecurringTask<Void>> tasks = jobs.stream()
                .map(job -> Tasks.recurring(job.name(), Schedules.fixedDelay(job.interval()))
                        .execute((instance, context) -> job.body().run()))
                .toList();
        this.scheduler = Scheduler.create(dataSource)
                .startTasks(tasks)
                .tableName(TABLE)
                .pollingInterval(pollingInterval)
                .threads(1)
                // A run is short and picks up where the last one stopped: shutting down need not wait long for it.
                .shutdownMaxWait(Duration.ofSeconds(5))
                .build();
    }

    @Override
    public void start() {
        scheduler.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        scheduler.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
