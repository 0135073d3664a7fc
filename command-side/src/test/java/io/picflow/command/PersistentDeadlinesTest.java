package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.support.CommandSideTest;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.eventhandling.scheduling.EventScheduler;
import org.axonframework.eventhandling.scheduling.dbscheduler.DbSchedulerEventScheduler;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Deadlines (retries, watchdogs) must survive a restart: they live in PostgreSQL, never in memory. */
class PersistentDeadlinesTest extends CommandSideTest {

    @Autowired
    DeadlineManager deadlineManager;

    @Autowired
    EventScheduler eventScheduler;

    @Test
    void deadlines_and_scheduled_events_are_stored_by_db_scheduler() {
        assertThat(deadlineManager).isInstanceOf(DbSchedulerDeadlineManager.class);
        assertThat(eventScheduler).isInstanceOf(DbSchedulerEventScheduler.class);
        assertThat(jdbc.sql("SELECT count(*) FROM scheduled_tasks").query(Long.class).single()).isNotNegative();
    }
}
