package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.platform.axon.SchemaHistories;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The upgrade of the per-user download bookkeeping written before retention (command V9): finished rows learn their
 * outcome and time from the download's last final event, a retried download's leftover finished row goes, and the
 * paused and failed downloads become idle since their last event, ready to expire.
 */
class DownloadRetentionMigrationTest {

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(TestServices.newDatabase(),
            TestServices.postgres().username(), TestServices.postgres().password());
    private final JdbcClient jdbc = JdbcClient.create(dataSource);

    @Test
    void finished_and_idle_downloads_are_derived_from_the_stored_events() {
        SchemaHistories.of(dataSource, "eventstore").migrate();
        Flyway.configure().configuration(SchemaHistories.of(dataSource, "command").getConfiguration()).target("8").load().migrate();
        append("done", 1, "ImageDownloadRequested", "2026-10-01T10:00:00Z");
        append("done", 2, "ImageDownloadCompleted", "2026-10-01T10:01:00Z");
        append("broken", 1, "ImageDownloadRequested", "2026-10-02T10:00:00Z");
        append("broken", 2, "ImageDownloadFailed", "2026-10-02T10:05:00Z");
        append("stopped", 1, "ImageDownloadRequested", "2026-10-03T10:00:00Z");
        append("stopped", 2, "ImageDownloadCancelled", "2026-10-03T10:02:00Z");
        append("retried", 1, "ImageDownloadFailed", "2026-10-04T10:00:00Z");
        append("retried", 2, "ImageDownloadRetryScheduled", "2026-10-04T11:00:00Z");
        append("waiting", 1, "ImageFetchStarted", "2026-10-05T10:00:00Z");
        append("waiting", 2, "ImageDownloadPaused", "2026-10-05T10:03:00Z");
        append("running", 1, "ImageDownloadPaused", "2026-10-06T10:00:00Z");
        append("running", 2, "ImageDownloadResumed", "2026-10-06T10:01:00Z");
        for (String finished : new String[] {"done", "broken", "stopped", "retried"}) {
            jdbc.sql("INSERT INTO finished_download (download_id, user_id) VALUES (?, 'ann')").param(finished).update();
        }
        for (String active : new String[] {"retried", "waiting", "running"}) {
            jdbc.sql("INSERT INTO active_download (download_id, user_id) VALUES (?, 'ann')").param(active).update();
        }

        SchemaHistories.of(dataSource, "command").migrate();

        assertThat(jdbc.sql("SELECT download_id || ' ' || outcome || ' ' || to_char(finished_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') "
                + "FROM finished_download ORDER BY 1").query(String.class).list())
                .containsExactly("broken FAILED 10-02 10:05", "done COMPLETED 10-01 10:01", "stopped CANCELLED 10-03 10:02");
        assertThat(jdbc.sql("SELECT download_id || ' ' || state || ' ' || to_char(idle_since AT TIME ZONE 'UTC', 'MM-DD HH24:MI') "
                + "FROM idle_download ORDER BY 1").query(String.class).list())
                .containsExactly("broken FAILED 10-02 10:05", "waiting PAUSED 10-05 10:03");
    }

    private void append(String downloadId, long sequence, String type, String at) {
        jdbc.sql("INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp, "
                        + "payload_type, payload_revision, payload, meta_data) VALUES (:id, :aggregate, :sequence, 'ImageDownload', "
                        + ":at, :type, '1', :payload, :meta)")
                .param("id", UUID.randomUUID().toString()).param("aggregate", downloadId).param("sequence", sequence)
                .param("at", at).param("type", "io.picflow.events.downloads." + type)
                .param("payload", "{}".getBytes(StandardCharsets.UTF_8)).param("meta", "{}".getBytes(StandardCharsets.UTF_8)).update();
    }
}
