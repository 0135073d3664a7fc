-- Which download an Idempotency-Key created, per user. The primary key is what enforces "once".
CREATE TABLE idempotency_key (
    user_id         VARCHAR(255)  NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    request_hash    CHAR(64)     NOT NULL,
    download_id     VARCHAR(64)  NOT NULL,
    correlation_id  VARCHAR(64)  NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_key_created_at ON idempotency_key (created_at);
