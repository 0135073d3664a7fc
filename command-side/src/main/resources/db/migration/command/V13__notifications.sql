-- The notifications context (ADR 0017). Everything here is personal data: an erasure deletes the user's rows.

-- Contact details gain a phone and whether each address is verified; only verified addresses receive anything.
ALTER TABLE user_contact ALTER COLUMN email DROP NOT NULL;
ALTER TABLE user_contact ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE user_contact ADD COLUMN phone VARCHAR(32);
ALTER TABLE user_contact ADD COLUMN phone_verified BOOLEAN NOT NULL DEFAULT false;

-- The code that verifies a new address: its HMAC only (under a key derived from the JWT secret), with its expiry and the tries left. One per user and kind.
CREATE TABLE contact_code (
    user_id    VARCHAR(255) NOT NULL,
    kind       VARCHAR(8)   NOT NULL,          -- email, phone
    address    VARCHAR(320) NOT NULL,          -- the address the code was sent to: a later change voids it
    code_hash  VARCHAR(64)  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL,
    tries_left INTEGER      NOT NULL,
    delivery_id VARCHAR(200) NOT NULL,         -- the delivery that sends it: an older code still queued is not sent
    PRIMARY KEY (user_id, kind)
);
-- When codes were sent, for the limit of 3 an hour; rows older than an hour are deleted as they are read.
CREATE TABLE contact_code_sent (
    user_id VARCHAR(255) NOT NULL,
    sent_at TIMESTAMPTZ  NOT NULL
);
CREATE INDEX contact_code_sent_by_user ON contact_code_sent (user_id, sent_at);

-- The preferences the command side decides by, as the last NotificationPreferencesChanged set them (written in
-- that event's transaction; a user without a row has the defaults).
CREATE TABLE notification_preference (
    user_id    VARCHAR(255) PRIMARY KEY,
    document   TEXT         NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);

-- Each notification's recipient and time: the delivery latency's start, and what an erasure deletes. (Whether a
-- notification exists is its own event stream's to say.) Kept as long as deliveries.
CREATE TABLE notification_recipient (
    notification_id VARCHAR(100) PRIMARY KEY,
    user_id         VARCHAR(255) NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL
);
CREATE INDEX notification_recipient_by_user ON notification_recipient (user_id);
CREATE INDEX notification_recipient_by_time ON notification_recipient (created_at);

-- What a digest delivery lists: items collected for (user, channel) until the digest's window ends.
CREATE TABLE notification_digest_item (
    delivery_id     VARCHAR(200) NOT NULL,     -- the digest's delivery (outbound_delivery), one per window
    notification_id VARCHAR(100) NOT NULL,
    user_id         VARCHAR(255) NOT NULL,
    trigger         VARCHAR(32)  NOT NULL,     -- what it is, worded when the digest is sent (an actor erased
    actor_id        VARCHAR(255),              -- meanwhile is not named)
    created_at      TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (delivery_id, notification_id)
);
CREATE INDEX notification_digest_item_by_user ON notification_digest_item (user_id);

-- Emails sent immediately per user and hour: the cap that folds the rest into the next digest, across nodes.
CREATE TABLE notification_email_count (
    user_id VARCHAR(255) NOT NULL,
    hour    TIMESTAMPTZ  NOT NULL,
    sent    INTEGER      NOT NULL,
    PRIMARY KEY (user_id, hour)
);

-- Deliveries name the user they are for, for the delivery log's filter and for erasure.
ALTER TABLE outbound_delivery ADD COLUMN user_id VARCHAR(255);
CREATE INDEX outbound_delivery_by_user ON outbound_delivery (user_id, created_at);

-- Completed downloads remember their image: the recipients of IMAGE_FAVORITED.
ALTER TABLE finished_download ADD COLUMN image_id VARCHAR(64);
CREATE INDEX finished_download_by_image ON finished_download (image_id, finished_at DESC) WHERE image_id IS NOT NULL;
