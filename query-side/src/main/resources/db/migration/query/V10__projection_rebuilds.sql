-- Every rebuild, as the query node running it reports it (at most every second, and at each change of phase or
-- state), so that any query node can show its progress and cancel it, and so that the other nodes stop their
-- live processor of that read model while it hands over (ADR 0015). The last 100 finished rows are kept.
CREATE TABLE projection_rebuild (
    rebuild_id       VARCHAR(64)  PRIMARY KEY,
    projection       VARCHAR(255) NOT NULL,
    node             VARCHAR(64)  NOT NULL,
    state            VARCHAR(16)  NOT NULL,
    phase            VARCHAR(16)  NOT NULL,
    progress         TEXT         NOT NULL, -- the RebuildProgress document, as GET answers it
    cancel_requested BOOLEAN      NOT NULL DEFAULT false,
    updated_at       TIMESTAMPTZ  NOT NULL
);
CREATE INDEX projection_rebuild_running ON projection_rebuild (state, updated_at);
