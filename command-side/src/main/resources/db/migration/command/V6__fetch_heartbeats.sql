-- Which node is working on which fetch, refreshed every few seconds by that node's fetch worker, so that a
-- watchdog deadline that fires on another node can tell a slow fetch from a lost one (ADR 0004).
CREATE TABLE fetch_heartbeat (
    download_id VARCHAR(64)  PRIMARY KEY,
    fetch_number INTEGER     NOT NULL,
    node        VARCHAR(255) NOT NULL,
    beat_at     TIMESTAMPTZ  NOT NULL
);
CREATE INDEX fetch_heartbeat_by_node ON fetch_heartbeat (node);
