-- Retention of downloads (docs/operations.md, "Retention").
--
-- finished_download: why and when a download finished. Completed and cancelled rows go after
-- picflow.downloads.retention.finished; failed rows stay while the download may be retried (until it expires).
ALTER TABLE finished_download ADD COLUMN outcome VARCHAR(16);
ALTER TABLE finished_download ADD COLUMN finished_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- The rows written before: their outcome and time from the download's last final event.
UPDATE finished_download f
SET outcome = CASE last.payload_type
                  WHEN 'io.picflow.events.downloads.ImageDownloadCompleted' THEN 'COMPLETED'
                  WHEN 'io.picflow.events.downloads.ImageDownloadFailed' THEN 'FAILED'
                  ELSE 'CANCELLED' END,
    finished_at = last.time_stamp::timestamptz
FROM (SELECT DISTINCT ON (aggregate_identifier) aggregate_identifier, payload_type, time_stamp
      FROM domain_event_entry
      WHERE aggregate_identifier IN (SELECT download_id FROM finished_download)
        AND payload_type IN ('io.picflow.events.downloads.ImageDownloadCompleted',
                             'io.picflow.events.downloads.ImageDownloadFailed',
                             'io.picflow.events.downloads.ImageDownloadCancelled',
                             'io.picflow.events.downloads.ImageDownloadRetryScheduled')
      ORDER BY aggregate_identifier, sequence_number DESC) last
WHERE last.aggregate_identifier = f.download_id;
-- A user's retry used to leave the finished row behind: such downloads are active again.
DELETE FROM finished_download WHERE download_id IN (SELECT download_id FROM active_download);
UPDATE finished_download SET outcome = 'CANCELLED' WHERE outcome IS NULL;
ALTER TABLE finished_download ALTER COLUMN outcome SET NOT NULL;
CREATE INDEX finished_download_by_time ON finished_download (finished_at) WHERE outcome <> 'FAILED';

-- Downloads that wait for their user: paused, or failed (which may be retried). After
-- picflow.downloads.retention.unfinished without a change, the system cancels them (reason EXPIRED).
CREATE TABLE idle_download (
    download_id VARCHAR(64)  PRIMARY KEY,
    user_id     VARCHAR(255) NOT NULL,
    state       VARCHAR(16)  NOT NULL,
    idle_since  TIMESTAMPTZ  NOT NULL
);
CREATE INDEX idle_download_by_time ON idle_download (idle_since);
CREATE INDEX idle_download_by_user ON idle_download (user_id);

INSERT INTO idle_download (download_id, user_id, state, idle_since)
SELECT download_id, user_id, 'FAILED', finished_at FROM finished_download WHERE outcome = 'FAILED';

INSERT INTO idle_download (download_id, user_id, state, idle_since)
SELECT a.download_id, a.user_id, 'PAUSED', last.time_stamp::timestamptz
FROM active_download a
JOIN (SELECT DISTINCT ON (aggregate_identifier) aggregate_identifier, payload_type, time_stamp
      FROM domain_event_entry
      WHERE aggregate_identifier IN (SELECT download_id FROM active_download)
        AND payload_type IN ('io.picflow.events.downloads.ImageDownloadPaused',
                             'io.picflow.events.downloads.ImageDownloadResumed',
                             'io.picflow.events.downloads.ImageFetchStarted',
                             'io.picflow.events.downloads.ImageDownloadRetryScheduled')
      ORDER BY aggregate_identifier, sequence_number DESC) last ON last.aggregate_identifier = a.download_id
WHERE last.payload_type = 'io.picflow.events.downloads.ImageDownloadPaused';
