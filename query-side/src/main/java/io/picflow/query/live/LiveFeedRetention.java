package io.picflow.query.live;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.query.QueryJob;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The live feed does not grow forever (docs/operations.md, "Retention"): frames written more than
 * {@code picflow.live.retention} (7 days) ago are removed, oldest first, by the query side's scheduler, and with
 * them the current state of completed and cancelled downloads whose last frame they were. A client that resumes
 * with an {@code after=} below what is kept is closed with 4410 and reconnects without it (LiveFeed). Each batch
 * is one transaction that also moves the horizon, so a reader never sees frames gone without the horizon saying so.
 * Counted in {@code picflow.retention.removed} ({@code item=live_feed}, {@code item=live_download}).
 */
@Configuration(proxyBeanMethods = false)
class LiveFeedRetention {

    private static final Logger log = LoggerFactory.getLogger(LiveFeedRetention.class);
    static final int BATCH = 1000;
    /** A run stops after this many batches and the next run goes on, so one run stays short on a huge backlog. */
    static final int MAX_BATCHES_PER_RUN = 100;

    @Bean
    QueryJob liveFeedRetentionJob(Runner runner, LiveProperties properties) {
        return new QueryJob("live-feed-retention", properties.retentionCheckInterval(), runner::run);
    }

    @Bean
    Runner liveFeedRetentionRunner(LiveFeedStore store, PlatformTransactionManager transactions, LiveProperties properties,
            MeterRegistry meters) {
        return new Runner(store, new TransactionTemplate(transactions), properties, meters, Clock.systemUTC());
    }

    /** One run of the retention; package-visible so that tests run it on demand. */
    record Runner(LiveFeedStore store, TransactionTemplate transaction, LiveProperties properties, MeterRegistry meters,
            Clock clock) {

        LiveFeedStore.Removed run() {
            Instant cutoff = clock.instant().minus(properties.retention());
            int frames = 0;
            int downloads = 0;
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                LiveFeedStore.Removed removed = transaction.execute(status -> store.removeOldest(cutoff, BATCH));
                frames += removed.frames();
                downloads += removed.downloads();
                meters.counter("picflow.retention.removed", "item", "live_feed").increment(removed.frames());
                meters.counter("picflow.retention.removed", "item", "live_download").increment(removed.downloads());
                if (removed.frames() < BATCH) {
                    break;
                }
            }
            if (frames > 0) {
                log.info("Live-feed retention: {} frames and {} finished downloads' current states removed", frames, downloads);
            }
            return new LiveFeedStore.Removed(frames, downloads);
        }
    }
}
