-- The outbound delivery engine (ADR 0016): every message picflow sends to the outside (email, and later SMS, push,
-- webhooks) is a row here before anything is sent. The row's id is the delivery's idempotency key, derived by the
-- caller from what it delivers, so that a delivery is recorded once whoever records it how often.
CREATE TABLE outbound_delivery (
    delivery_id   VARCHAR(200) PRIMARY KEY,
    seq           BIGSERIAL    NOT NULL UNIQUE,   -- the order of recording, for ordering_key
    channel       VARCHAR(64)  NOT NULL,          -- which transport sends it
    target        VARCHAR(255) NOT NULL,          -- what fails together (a provider, an endpoint): the gate's key
    ordering_key  VARCHAR(255),                   -- deliveries with the same key go one after the other, in seq order
    payload       TEXT         NOT NULL,          -- what the transport needs, as it wrote it
    status        VARCHAR(16)  NOT NULL,          -- PENDING, HELD, SENT, FAILED, SKIPPED
    reason        VARCHAR(32),                    -- HELD: why; SKIPPED: why
    due_at        TIMESTAMPTZ  NOT NULL,          -- when it may be (re)tried
    attempts      INTEGER      NOT NULL DEFAULT 0,
    error_code    VARCHAR(64),
    error_message VARCHAR(1000),
    retryable     BOOLEAN,
    provider_id   VARCHAR(255),                   -- what the provider called it when it accepted it
    created_at    TIMESTAMPTZ  NOT NULL,
    updated_at    TIMESTAMPTZ  NOT NULL,
    sent_at       TIMESTAMPTZ,
    lease_owner   VARCHAR(64),                    -- the node sending it now, until lease_until
    lease_until   TIMESTAMPTZ
);
-- The dispatcher's look: due deliveries, oldest due first.
CREATE INDEX outbound_delivery_due ON outbound_delivery (due_at) WHERE status IN ('PENDING', 'HELD');
CREATE INDEX outbound_delivery_ordering ON outbound_delivery (ordering_key, seq) WHERE status IN ('PENDING', 'HELD');
CREATE INDEX outbound_delivery_updated ON outbound_delivery (updated_at) WHERE status IN ('SENT', 'FAILED', 'SKIPPED');

-- Each attempt: when, how it ended, how long it took, and the start of what the provider said.
CREATE TABLE outbound_attempt (
    delivery_id VARCHAR(200) NOT NULL REFERENCES outbound_delivery (delivery_id) ON DELETE CASCADE,
    attempt     INTEGER      NOT NULL,
    at          TIMESTAMPTZ  NOT NULL,
    outcome     VARCHAR(16)  NOT NULL,            -- SENT, TRANSIENT, PERMANENT, GATED
    status_code INTEGER,
    duration_ms INTEGER      NOT NULL,
    detail      VARCHAR(1024),
    PRIMARY KEY (delivery_id, attempt)
);
