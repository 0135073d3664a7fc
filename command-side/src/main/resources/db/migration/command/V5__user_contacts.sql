-- The contact store (users context): personal data kept out of the event store, so that erasing it
-- (DELETE /api/users/me/contact) needs no rewrite of history. Events refer to users by id only.
CREATE TABLE user_contact (
    user_id    VARCHAR(255) PRIMARY KEY,
    email      VARCHAR(320) NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);
