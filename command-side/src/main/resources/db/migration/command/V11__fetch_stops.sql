-- Pause, cancel and the watchdog are handled on whichever node holds the download's process manager segment or
-- picks up its deadline, while the fetch may run on another node. That node reads these rows every second while it
-- has fetches, stops the fetches named (up to a fetch number), and deletes the row (ADR 0015).
CREATE TABLE fetch_stop (
    download_id  VARCHAR(64) PRIMARY KEY,
    up_to_fetch  INTEGER     NOT NULL,
    discard      BOOLEAN     NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX fetch_stop_by_time ON fetch_stop (requested_at);
