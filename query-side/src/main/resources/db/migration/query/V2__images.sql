-- Images read model (processing group "images"): one row per stored image (content-addressed),
-- and the downloads/URLs it came from.
CREATE TABLE image (
    image_id     VARCHAR(64)  PRIMARY KEY,
    sha256       CHAR(64)     NOT NULL,
    format       VARCHAR(16)  NOT NULL,
    content_type VARCHAR(64)  NOT NULL,
    width        INTEGER      NOT NULL,
    height       INTEGER      NOT NULL,
    bytes        BIGINT       NOT NULL,
    stored_at    TIMESTAMPTZ  NOT NULL
);

CREATE TABLE image_source (
    image_id     VARCHAR(64)   NOT NULL REFERENCES image (image_id),
    download_id  VARCHAR(64)   NOT NULL,
    url          VARCHAR(2048) NOT NULL,
    requested_by VARCHAR(255)  NOT NULL,
    stored_at    TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (image_id, download_id)
);
