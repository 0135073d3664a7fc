-- Users and the social graph (processing groups "users" and "favorites"). Rows carry the event's
-- time; inserts ignore a row that exists and deletes of a missing row change nothing, so redelivered
-- events are harmless. Each relationship's events come in order (one aggregate per pair).

CREATE TABLE user_profile (
    user_id       VARCHAR(255) PRIMARY KEY,
    display_name  VARCHAR(100) NOT NULL,
    registered_at TIMESTAMPTZ  NOT NULL
);

-- actor favorites target. GET .../favorites reads by actor, .../favorited-by by target.
CREATE TABLE user_favorite (
    actor_id   VARCHAR(255) NOT NULL,
    target_id  VARCHAR(255) NOT NULL,
    source     VARCHAR(64),
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);
CREATE INDEX user_favorite_by_actor ON user_favorite (actor_id, created_at DESC);
CREATE INDEX user_favorite_by_target ON user_favorite (target_id, created_at DESC);

-- One row per direction of a mutual favorite, so that each user's list is one index range.
CREATE TABLE user_mutual (
    user_id   VARCHAR(255) NOT NULL,
    other_id  VARCHAR(255) NOT NULL,
    formed_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (user_id, other_id)
);
CREATE INDEX user_mutual_by_user ON user_mutual (user_id, formed_at DESC);

CREATE TABLE user_shortlist (
    actor_id   VARCHAR(255) NOT NULL,
    target_id  VARCHAR(255) NOT NULL,
    note       VARCHAR(1000),
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);
CREATE INDEX user_shortlist_by_actor ON user_shortlist (actor_id, created_at DESC);

CREATE TABLE user_exclusion (
    actor_id   VARCHAR(255) NOT NULL,
    target_id  VARCHAR(255) NOT NULL,
    reason     VARCHAR(500),
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);
CREATE INDEX user_exclusion_by_actor ON user_exclusion (actor_id, created_at DESC);

CREATE TABLE image_favorite (
    user_id    VARCHAR(255) NOT NULL,
    image_id   VARCHAR(64)  NOT NULL,
    source     VARCHAR(64),
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (user_id, image_id)
);
CREATE INDEX image_favorite_by_user ON image_favorite (user_id, created_at DESC);
-- An image's favorite count.
CREATE INDEX image_favorite_by_image ON image_favorite (image_id);
