-- Live feed (processing group "live-feed"): what WebSocket subscribers receive, in the order the
-- query side processed it. Positions come from one writer at a time (a transaction-scoped advisory
-- lock around each insert), so they commit in increasing order and a reader that sees position N
-- has seen every position below it: the position is a safe place to resume from, unlike the event
-- store's global index, whose values commit out of order.
CREATE TABLE live_feed (
    position    BIGSERIAL    PRIMARY KEY,
    event_id    VARCHAR(255) NOT NULL UNIQUE,
    event_type  VARCHAR(100) NOT NULL,
    download_id VARCHAR(64),
    owner       VARCHAR(255),
    occurred_at TIMESTAMPTZ  NOT NULL,
    -- When the frame was written: minus occurred_at, how long the event took to reach the feed.
    fed_at      TIMESTAMPTZ  NOT NULL DEFAULT clock_timestamp(),
    -- Progress frames may be coalesced for slow subscribers; state changes never are.
    progress    BOOLEAN      NOT NULL,
    -- The frame as sent, without its position (added when sent).
    frame       TEXT         NOT NULL
);
-- Catch-up queries: /ws?downloadId=, /ws?scope=mine, /ws?types= with after=<position>.
CREATE INDEX live_feed_by_download ON live_feed (download_id, position);
CREATE INDEX live_feed_by_owner ON live_feed (owner, position);
CREATE INDEX live_feed_by_type ON live_feed (event_type, position);

-- The latest frame of each download: the current state a subscriber receives when it connects
-- without after=, and the state the next event of the download is applied to.
CREATE TABLE live_download (
    download_id VARCHAR(64)  PRIMARY KEY,
    owner       VARCHAR(255) NOT NULL,
    position    BIGINT       NOT NULL,
    frame       TEXT         NOT NULL
);
CREATE INDEX live_download_by_owner ON live_download (owner, position DESC);
