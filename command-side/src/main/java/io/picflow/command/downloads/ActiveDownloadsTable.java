package io.picflow.command.downloads;

import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import java.time.Instant;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Where each download stands, per user, in three tables kept in the same transaction as the events (a subscribing
 * processor), so that they are exact on the node that accepts the next request:
 * <ul>
 *   <li>{@code active_download}: unfinished downloads, counted by {@link DownloadQuotas};</li>
 *   <li>{@code finished_download}: how and when a download finished, so that a user's retry of a failed one counts
 *       as active again, and so that {@link DownloadRetention} can forget completed and cancelled ones;</li>
 *   <li>{@code idle_download}: paused and failed downloads and since when, which {@link DownloadRetention} expires.</li>
 * </ul>
 */
@Component
@ProcessingGroup(ActiveDownloadsTable.PROCESSING_GROUP)
class ActiveDownloadsTable {

    static final String PROCESSING_GROUP = "download-quotas";

    private final JdbcClient jdbc;

    ActiveDownloadsTable(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(ImageDownloadRequested event) {
        jdbc.sql("INSERT INTO active_download (download_id, user_id) VALUES (:id, :user) ON CONFLICT (download_id) DO NOTHING")
                .param("id", event.downloadId()).param("user", event.requestedBy()).update();
    }

    @EventHandler
    void on(ImageDownloadPaused event, @Timestamp Instant at) {
        idle(event.downloadId(), "PAUSED", at);
    }

    @EventHandler
    void on(ImageDownloadResumed event) {
        notIdle(event.downloadId());
    }

    @EventHandler
    void on(ImageDownloadRetryScheduled event) {
        notIdle(event.downloadId());
        // A user's retry of a failed download makes it unfinished again.
        jdbc.sql("WITH moved AS (DELETE FROM finished_download WHERE download_id = :id RETURNING download_id, user_id) "
                        + "INSERT INTO active_download (download_id, user_id) SELECT download_id, user_id FROM moved "
                        + "ON CONFLICT (download_id) DO NOTHING")
                .param("id", event.downloadId()).update();
    }

    @EventHandler
    void on(ImageDownloadCompleted event, @Timestamp Instant at) {
        finished(event.downloadId(), "COMPLETED", at);
        // Its image: whom an ImageFavorited of that image notifies (the notifications context).
        jdbc.sql("UPDATE finished_download SET image_id = :image WHERE download_id = :id")
                .param("image", event.imageId()).param("id", event.downloadId()).update();
    }

    @EventHandler
    void on(ImageDownloadFailed event, @Timestamp Instant at) {
        finished(event.downloadId(), "FAILED", at);
        idle(event.downloadId(), "FAILED", at);
    }

    @EventHandler
    void on(ImageDownloadCancelled event, @Timestamp Instant at) {
        notIdle(event.downloadId());
        if (event.expired()) {
            // Expired: nothing can be done with it any more, and nothing is kept about it here.
            jdbc.sql("DELETE FROM active_download WHERE download_id = :id").param("id", event.downloadId()).update();
            jdbc.sql("DELETE FROM finished_download WHERE download_id = :id").param("id", event.downloadId()).update();
        } else {
            finished(event.downloadId(), "CANCELLED", at);
        }
    }

    private void idle(String downloadId, String state, Instant since) {
        jdbc.sql("INSERT INTO idle_download (download_id, user_id, state, idle_since) "
                        + "SELECT download_id, user_id, CAST(:state AS VARCHAR), CAST(:since AS TIMESTAMPTZ) FROM active_download WHERE download_id = :id "
                        + "UNION ALL SELECT download_id, user_id, :state, :since FROM finished_download WHERE download_id = :id "
                        + "LIMIT 1 "
                        + "ON CONFLICT (download_id) DO UPDATE SET state = EXCLUDED.state, idle_since = EXCLUDED.idle_since")
                .param("id", downloadId).param("state", state).param("since", java.sql.Timestamp.from(since)).update();
    }

    private void notIdle(String downloadId) {
        jdbc.sql("DELETE FROM idle_download WHERE download_id = :id").param("id", downloadId).update();
    }

    private void finished(String downloadId, String outcome, Instant at) {
        jdbc.sql("WITH moved AS (DELETE FROM active_download WHERE download_id = :id RETURNING download_id, user_id) "
                        + "INSERT INTO finished_download (download_id, user_id, outcome, finished_at) "
                        + "SELECT download_id, user_id, CAST(:outcome AS VARCHAR), CAST(:at AS TIMESTAMPTZ) FROM moved "
                        // A failed download that is then cancelled is already here: it changes its outcome.
                        + "UNION ALL SELECT download_id, user_id, :outcome, :at FROM finished_download WHERE download_id = :id "
                        + "ON CONFLICT (download_id) DO UPDATE SET outcome = EXCLUDED.outcome, finished_at = EXCLUDED.finished_at")
                .param("id", downloadId).param("outcome", outcome).param("at", java.sql.Timestamp.from(at)).update();
    }
}
