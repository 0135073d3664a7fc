-- Unfinished downloads per user, for the per-user limit (written in the events' own transaction).
CREATE TABLE active_download (
    download_id VARCHAR(64)  PRIMARY KEY,
    user_id     VARCHAR(255) NOT NULL
);
CREATE INDEX active_download_by_user ON active_download (user_id);

-- Finished downloads remember their owner, so that a user's retry can count them as active again.
CREATE TABLE finished_download (
    download_id VARCHAR(64)  PRIMARY KEY,
    user_id     VARCHAR(255) NOT NULL
);
