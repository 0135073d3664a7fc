-- Query side tables; their Flyway history is flyway_history_query.

-- Axon tracking tokens of the query side's processors (the command side has its own table).
CREATE TABLE query_token_entry (
    processor_name VARCHAR(255) NOT NULL,
    segment        INTEGER      NOT NULL,
    token          BYTEA,
    token_type     VARCHAR(255),
    timestamp      VARCHAR(255),
    owner          VARCHAR(255),
    PRIMARY KEY (processor_name, segment)
);

-- Downloads read model (processing group "downloads").
CREATE TABLE download (
    download_id    VARCHAR(64)   PRIMARY KEY,
    url            VARCHAR(2048) NOT NULL,
    file_name      VARCHAR(255),
    tags           TEXT[]        NOT NULL DEFAULT '{}',
    status         VARCHAR(32)   NOT NULL,
    requested_by   VARCHAR(255)   NOT NULL,
    correlation_id VARCHAR(64),
    requested_at   TIMESTAMPTZ   NOT NULL,
    updated_at     TIMESTAMPTZ   NOT NULL,
    bytes_received BIGINT        NOT NULL DEFAULT 0,
    total_bytes    BIGINT,
    attempt        INTEGER       NOT NULL DEFAULT 0,
    image_id       VARCHAR(64),
    error_code     VARCHAR(64),
    error_message  VARCHAR(1000),
    error_retryable BOOLEAN,
    next_attempt_at TIMESTAMPTZ,
    -- The sequence number of the last event applied: an older or repeated event changes nothing.
    version        BIGINT        NOT NULL
);
-- GET /api/downloads?status= : a user's downloads, newest first.
CREATE INDEX download_by_user ON download (requested_by, requested_at DESC, download_id DESC);
CREATE INDEX download_by_user_status ON download (requested_by, status, requested_at DESC);
