package io.picflow.command.downloads;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.ImageLibrarySweep;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Sweeps the image library for files no event refers to ({@link ImageLibrarySweep}) every
 * {@code picflow.downloads.sweep-interval} (1 h), on one node at a time (a db-scheduler recurring task).
 * It reads the event store's table.
 */
@Configuration(proxyBeanMethods = false)
class ImageLibraryMaintenance {

    @Bean
    ImageLibrarySweep imageLibrarySweep(DownloadsProperties properties, JdbcClient jdbc,
            @Value("${picflow.downloads.sweep-grace:1h}") Duration grace) {
        return new ImageLibrarySweep(properties.storageDir(), jdbc, grace, Clock.systemUTC());
    }

    @Bean
    RecurringTask<Void> imageLibrarySweepTask(ImageLibrarySweep sweep, @Value("${picflow.downloads.sweep-interval:1h}") Duration interval) {
        return Tasks.recurring("image-library-sweep", Schedules.fixedDelay(interval))
                .execute((instance, context) -> sweep.sweep());
    }
}
