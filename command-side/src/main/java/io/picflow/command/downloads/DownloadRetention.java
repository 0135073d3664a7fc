package io.picflow.command.downloads;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.command.CommandSender;
import io.picflow.command.downloads.DownloadCommands.ExpireImageDownload;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Downloads do not pile up forever (docs/operations.md, "Retention"). A recurring db-scheduler task (one node at a
 * time) does two things, in batches, and counts what it removed in {@code picflow.retention.removed}:
 * <ul>
 *   <li>A download left paused or failed for {@code picflow.downloads.retention.unfinished} (30 days) is cancelled by
 *       the system ({@code ImageDownloadCancelled} with reason {@code EXPIRED}): that ends its process, deletes its
 *       partial file and frees its place in the user's quota. The aggregate decides: a download resumed or retried
 *       in the meantime is left alone. Tag {@code item=unfinished_download}.</li>
 *   <li>{@code finished_download} rows of completed and cancelled downloads go after
 *       {@code picflow.downloads.retention.finished} (7 days). Failed ones stay, since they may still be retried.
 *       Tag {@code item=finished_download}.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class DownloadRetention {

    private static final Logger log = LoggerFactory.getLogger(DownloadRetention.class);
    static final int BATCH = 100;
    /** A run stops after this many batches; the next run goes on. Keeps one run short on a huge backlog. */
    static final int MAX_BATCHES_PER_RUN = 100;

    @Bean
    RecurringTask<Void> downloadRetentionTask(Runner runner,
            @Value("${picflow.downloads.retention.check-interval:1h}") Duration interval) {
        return Tasks.recurring("download-retention", Schedules.fixedDelay(interval))
                .execute((instance, context) -> runner.run());
    }

    @Bean
    Runner downloadRetentionRunner(JdbcClient jdbc, CommandSender commands, MeterRegistry meters,
            @Value("${picflow.downloads.retention.unfinished:30d}") Duration unfinished,
            @Value("${picflow.downloads.retention.finished:7d}") Duration finished) {
        return new Runner(jdbc, commands, meters, unfinished, finished);
    }

    /** One run of the retention; public to the package so that tests run it on demand. */
    record Runner(JdbcClient jdbc, CommandSender commands, MeterRegistry meters, Duration unfinished, Duration finished) {

        void run() {
            int expired = expireIdleDownloads();
            int forgotten = forgetFinishedDownloads();
            if (expired > 0 || forgotten > 0) {
                log.info("Download retention: {} paused or failed downloads expired, {} finished rows removed", expired, forgotten);
            }
        }

        int expireIdleDownloads() {
            int expired = 0;
            String correlationId = UUID.randomUUID().toString();
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                List<String> due = jdbc.sql("SELECT download_id FROM idle_download "
                                + "WHERE idle_since < now() - make_interval(secs => :seconds) ORDER BY idle_since LIMIT :batch")
                        .param("seconds", unfinished.toSeconds()).param("batch", BATCH).query(String.class).list();
                for (String downloadId : due) {
                    try {
                        commands.sendAsSystem(new ExpireImageDownload(downloadId), correlationId);
                        expired++;
                        meters.counter("picflow.retention.removed", "item", "unfinished_download").increment();
                    } catch (RuntimeException e) {
                        // Left for the next run; one bad download must not stop the others.
                        log.warn("Could not expire download {}: {}", downloadId, e.toString());
                        jdbc.sql("UPDATE idle_download SET idle_since = now() - make_interval(secs => :seconds) + interval '1 hour' "
                                        + "WHERE download_id = :id")
                                .param("seconds", unfinished.toSeconds()).param("id", downloadId).update();
                    }
                }
                if (due.size() < BATCH) {
                    break;
                }
            }
            return expired;
        }

        int forgetFinishedDownloads() {
            int removed = 0;
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                int deleted = jdbc.sql("DELETE FROM finished_download WHERE download_id IN (SELECT download_id FROM finished_download "
                                + "WHERE outcome <> 'FAILED' AND finished_at < now() - make_interval(secs => :seconds) LIMIT :batch)")
                        .param("seconds", finished.toSeconds()).param("batch", BATCH * 10).update();
                removed += deleted;
                meters.counter("picflow.retention.removed", "item", "finished_download").increment(deleted);
                if (deleted < BATCH * 10) {
                    break;
                }
            }
            return removed;
        }
    }
}
