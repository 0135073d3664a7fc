-- Push devices (issue 19): the FCM and APNs registration tokens of each user. A token is a credential: it is kept here
-- only, never in an event, a delivery's payload or a log; events and deliveries name a device by its random id.
-- Personal data: an erasure deletes the user's rows.
CREATE TABLE device (
    device_id            VARCHAR(36)  PRIMARY KEY,          -- a random UUID: reveals nothing of the token
    user_id              VARCHAR(255) NOT NULL,
    platform             VARCHAR(8)   NOT NULL CONSTRAINT device_platform CHECK (platform IN ('fcm', 'apns')),
    token                TEXT         NOT NULL,
    token_hash           VARCHAR(64)  NOT NULL CONSTRAINT device_token_unique UNIQUE, -- SHA-256 of platform and token:
                                                            -- one device per token, whoever registered it last
    active               BOOLEAN      NOT NULL DEFAULT true,
    consecutive_failures INTEGER      NOT NULL DEFAULT 0,   -- one device's own failures in a row (APNs 429); 5 deactivate it
    registered_at        TIMESTAMPTZ  NOT NULL,
    last_active_at       TIMESTAMPTZ  NOT NULL,             -- registered (again) or delivered to: past the per-user limit,
                                                            -- the least recently active device goes
    last_success_at      TIMESTAMPTZ,
    deactivated_at       TIMESTAMPTZ,
    deactivated_reason   VARCHAR(40)
);
CREATE INDEX device_by_user ON device (user_id, last_active_at);
-- The daily cleanup deletes devices deactivated longer than the retention.
CREATE INDEX device_deactivated ON device (deactivated_at) WHERE NOT active;
