-- Each user's download requests per 5-second slot, for the per-minute rate limit (RequestWindows). Counted here,
-- not in a node's memory, so that the limit holds for a user whatever command node each request reaches.
-- A slot row counts for 60 to 65 s; older rows are deleted hourly and with the user's erasure.
CREATE TABLE download_request_count (
    user_id  VARCHAR(255) NOT NULL,
    slot     BIGINT       NOT NULL, -- epoch milliseconds / 5000
    requests INT          NOT NULL,
    PRIMARY KEY (user_id, slot)
);
