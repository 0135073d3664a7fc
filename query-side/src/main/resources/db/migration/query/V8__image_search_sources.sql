-- The image-search projection's record of each download that stored an image, with what it contributed to the
-- image's document (file name, tags, source host, requester). The document shows the latest contribution; when a
-- user is erased, their contributions go and each affected document is rewritten from what remains (ADR 0011).
CREATE TABLE image_search_source (
    image_id     VARCHAR(64)  NOT NULL,
    download_id  VARCHAR(64)  NOT NULL,
    requested_by VARCHAR(255) NOT NULL,
    file_name    VARCHAR(255),
    tags         TEXT[]       NOT NULL DEFAULT '{}',
    source_host  VARCHAR(255),
    stored_at    TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (image_id, download_id)
);
CREATE INDEX image_search_source_by_user ON image_search_source (requested_by);

-- The contributions of the images stored before this table existed.
INSERT INTO image_search_source (image_id, download_id, requested_by, file_name, tags, source_host, stored_at)
SELECT event ->> 'imageId', event ->> 'downloadId', event ->> 'requestedBy', event ->> 'fileName',
       coalesce(ARRAY(SELECT jsonb_array_elements_text(coalesce(event -> 'tags', '[]'::jsonb))), '{}'),
       substring(event ->> 'sourceUrl' from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^]]*\]|[^:/?#]+)'),
       time_stamp::timestamptz
FROM (SELECT convert_from(payload, 'UTF8')::jsonb AS event, time_stamp FROM domain_event_entry
      WHERE payload_type = 'io.picflow.events.downloads.ImageStored') AS stored
WHERE NOT EXISTS (SELECT 1 FROM erased_user WHERE erased_user.user_id = stored.event ->> 'requestedBy')
ON CONFLICT DO NOTHING;

-- An erasure deletes by user, holding a lock that keeps the tables' writers waiting: no sequential scans.
CREATE INDEX image_source_by_user ON image_source (requested_by);
CREATE INDEX image_search_favorite_by_user ON image_search_favorite (user_id);
CREATE INDEX user_mutual_by_other ON user_mutual (other_id);
CREATE INDEX user_shortlist_by_target ON user_shortlist (target_id);
CREATE INDEX user_exclusion_by_target ON user_exclusion (target_id);
