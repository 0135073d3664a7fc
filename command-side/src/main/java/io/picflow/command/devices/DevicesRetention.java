package io.picflow.command.devices;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Deactivated devices (their provider called the token invalid, or they failed too often) are kept for
 * {@code picflow.notifications.devices.inactive-retention} (30 days: the user can see why pushes stopped, and a token
 * registered again within that time is the same device), then deleted daily, 100 per transaction. Active devices are
 * never deleted for age: apps register their token again on every start, and a quiet account is no reason to stop
 * pushing to it.
 */
@Configuration(proxyBeanMethods = false)
class DevicesRetention {

    static final int BATCH = 100;

    @Bean
    RecurringTask<Void> deviceCleanup(Devices devices, MeterRegistry meters,
            @Value("${picflow.notifications.devices.inactive-retention:30d}") Duration retention) {
        return Tasks.recurring("device-cleanup", Schedules.fixedDelay(Duration.ofDays(1)))
                .execute((instance, context) -> meters.counter("picflow.retention.removed", "item", "device")
                        .increment(removeAll(devices, retention)));
    }

    static int removeAll(Devices devices, Duration retention) {
        int total = 0;
        int removed;
        do {
            removed = devices.removeDeactivated(retention, BATCH);
            total += removed;
        } while (removed == BATCH);
        return total;
    }
}
