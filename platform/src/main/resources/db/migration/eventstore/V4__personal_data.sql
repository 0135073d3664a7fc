-- Personal data that events refer to but must be erasable (ADR 0011). Both sides read these tables; the
-- command side writes them.

-- One AES-256 key per user. Personal free text travels in events encrypted with its owner's key
-- (io.picflow.events.EncryptedText): deleting the row makes every copy of it unreadable.
CREATE TABLE user_key (
    user_id    VARCHAR(255) PRIMARY KEY,
    key        BYTEA        NOT NULL CHECK (octet_length(key) = 32),
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Subjects erased at their request (DELETE /api/users/me): the API answers them 410, read models keep
-- nothing about them. completed_at is set once their relationships are dissolved, their downloads
-- cancelled and UserErased is stored; until then any node may take the erasure up again.
CREATE TABLE erased_user (
    user_id        VARCHAR(255) PRIMARY KEY,
    erased_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    correlation_id VARCHAR(64)  NOT NULL,
    -- When the recovery task last took it up (null: never), so that one that keeps failing goes to the back.
    attempted_at   TIMESTAMPTZ,
    completed_at   TIMESTAMPTZ
);
CREATE INDEX erased_user_pending ON erased_user (erased_at) WHERE completed_at IS NULL;

-- A user's commands and that user's erasure never interleave (ADR 0011): each command's transaction holds a shared
-- transaction-scoped advisory lock on its user (and on the other user it names), the erasure the same lock
-- exclusively. One round trip: the lock, then a look at erased_user that starts after the lock is held (a VOLATILE
-- function takes a fresh snapshot for each statement it runs). Returns the erased ones among the two.
CREATE FUNCTION picflow_user_activity(actor VARCHAR, other VARCHAR)
RETURNS TABLE (user_id VARCHAR, erased_at TIMESTAMPTZ)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('user-activity:' || actor, 0));
    IF other IS NOT NULL AND other <> actor THEN
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('user-activity:' || other, 0));
    END IF;
    RETURN QUERY SELECT e.user_id, e.erased_at FROM erased_user e WHERE e.user_id IN (actor, other);
END
$$;
