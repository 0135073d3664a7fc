-- The image-search projection's own state: who favorites which image, so that the favorite count it
-- writes to Elasticsearch is exact and a redelivered event cannot count twice.
CREATE TABLE image_search_favorite (
    image_id VARCHAR(64)  NOT NULL,
    user_id  VARCHAR(255) NOT NULL,
    PRIMARY KEY (image_id, user_id)
);
