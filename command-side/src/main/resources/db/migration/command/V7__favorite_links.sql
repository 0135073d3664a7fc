-- What an erasure must undo in the favorites context (FavoriteLinks, ADR 0011): for each user, the users they
-- have had a relationship with (both directions) and the images they favorite. Kept in the events' own
-- transaction by a subscribing processor; filled here from the events stored before it existed.
CREATE TABLE favorite_link (
    user_id   VARCHAR(255) NOT NULL,
    kind      VARCHAR(8)   NOT NULL CHECK (kind IN ('user', 'image')),
    target_id VARCHAR(255) NOT NULL,
    PRIMARY KEY (user_id, kind, target_id)
);
-- The erasure deletes the links that name the user as the other one, too.
CREATE INDEX favorite_link_by_target ON favorite_link (target_id);

INSERT INTO favorite_link (user_id, kind, target_id)
SELECT DISTINCT side.user_id, 'user', side.target_id
FROM (SELECT convert_from(payload, 'UTF8')::jsonb AS event FROM domain_event_entry
      WHERE payload_type IN ('io.picflow.events.favorites.UserFavorited', 'io.picflow.events.favorites.UserShortlisted',
                             'io.picflow.events.favorites.UserExcluded')) AS stored
CROSS JOIN LATERAL (VALUES (stored.event ->> 'actorId', stored.event ->> 'targetId'),
                           (stored.event ->> 'targetId', stored.event ->> 'actorId')) AS side (user_id, target_id)
ON CONFLICT DO NOTHING;

-- Image favorites in force: the last of each (user, image) pair's events is a favorite.
INSERT INTO favorite_link (user_id, kind, target_id)
SELECT user_id, 'image', image_id
FROM (SELECT DISTINCT ON (event ->> 'actorId', event ->> 'imageId')
             event ->> 'actorId' AS user_id, event ->> 'imageId' AS image_id, payload_type
      FROM (SELECT global_index, payload_type, convert_from(payload, 'UTF8')::jsonb AS event FROM domain_event_entry
            WHERE payload_type IN ('io.picflow.events.favorites.ImageFavorited', 'io.picflow.events.favorites.ImageUnfavorited')) AS stored
      ORDER BY event ->> 'actorId', event ->> 'imageId', global_index DESC) AS latest
WHERE payload_type = 'io.picflow.events.favorites.ImageFavorited'
ON CONFLICT DO NOTHING;
