package io.picflow.query;

import java.time.Duration;

/**
 * A recurring job of the query side (a retention, say), run by {@link QueryScheduler} on one query node at a time.
 * Declared as this record rather than as a db-scheduler {@code Task} bean: where both sides share one application
 * (the standalone jar), the command side's auto-configured scheduler would otherwise run every {@code Task} bean on
 * its own table as well.
 *
 * @param name     the task's name in {@code query_scheduled_tasks}
 * @param interval the pause between the end of one run and the start of the next
 * @param body     one run; an exception is logged by the scheduler and the next run comes all the same
 */
public record QueryJob(String name, Duration interval, Runnable body) {
}
