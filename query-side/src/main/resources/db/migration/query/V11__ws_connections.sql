-- Open /ws connections per user, counted across query nodes (picflow.live.max-connections-per-user holds for the
-- cluster, not per node; ADR 0015). A row lives as long as its connection; a node that has connections beats in
-- live_node every 10 s, and the rows of a node whose beat is a minute old (it died) are deleted by the others.
CREATE TABLE live_node (
    node    VARCHAR(64) PRIMARY KEY,
    beat_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE ws_connection (
    connection_id VARCHAR(64)  PRIMARY KEY,
    node          VARCHAR(64)  NOT NULL,
    user_id       VARCHAR(255) NOT NULL,
    opened_at     TIMESTAMPTZ  NOT NULL
);
CREATE INDEX ws_connection_by_user ON ws_connection (user_id);
CREATE INDEX ws_connection_by_node ON ws_connection (node);
