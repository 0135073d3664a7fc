package io.picflow.command.downloads;

import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Which downloads are unfinished, per user, for {@link DownloadQuotas}. A subscribing processor:
 * the rows change in the same transaction as the events, so the count is exact on the node that
 * accepts the request.
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
        active(event.downloadId(), event.requestedBy());
    }

    @EventHandler
    void on(ImageDownloadRetryScheduled event) {
        // A user's retry of a failed download makes it unfinished again.
        jdbc.sql("INSERT INTO active_download (download_id, user_id) SELECT download_id, user_id FROM finished_download "
                        + "WHERE download_id = :id ON CONFLICT (download_id) DO NOTHING")
                .param("id", event.downloadId()).update();
    }

    @EventHandler
    void on(ImageDownloadCompleted event) {
        finished(event.downloadId());
    }

    @EventHandler
    void on(ImageDownloadFailed event) {
        finished(event.downloadId());
    }

    @EventHandler
    void on(ImageDownloadCancelled event) {
        finished(event.downloadId());
    }

    private void active(String downloadId, String userId) {
        jdbc.sql("INSERT INTO active_download (download_id, user_id) VALUES (:id, :user) ON CONFLICT (download_id) DO NOTHING")
                .param("id", downloadId).param("user", userId).update();
    }

    private void finished(String downloadId) {
        jdbc.sql("INSERT INTO finished_download (download_id, user_id) SELECT download_id, user_id FROM active_download "
                        + "WHERE download_id = :id ON CONFLICT (download_id) DO NOTHING")
                .param("id", downloadId).update();
        jdbc.sql("DELETE FROM active_download WHERE download_id = :id").param("id", downloadId).update();
    }
}
