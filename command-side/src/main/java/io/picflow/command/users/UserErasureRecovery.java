package io.picflow.command.users;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Completes erasures that a node began but did not complete (it died, or a step failed): a recurring
 * db-scheduler task, run by one node at a time, every {@code picflow.users.erasure-recovery-interval}.
 */
@Configuration(proxyBeanMethods = false)
class UserErasureRecovery {

    /** An erasure younger than this is presumably still being completed by the node that began it. */
    private static final long GRACE_SECONDS = 60;

    @Bean
    RecurringTask<Void> userErasureTask(UserErasure erasure,
            @Value("${picflow.users.erasure-recovery-interval:1m}") Duration interval) {
        return Tasks.recurring("user-erasure", Schedules.fixedDelay(interval))
                .execute((instance, context) -> erasure.unfinished(GRACE_SECONDS).forEach(erasure::completeQuietly));
    }
}
