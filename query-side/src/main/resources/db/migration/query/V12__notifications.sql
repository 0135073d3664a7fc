-- The notifications inbox (processing group "notification-inbox", rebuildable): what GET
-- /api/users/me/notifications lists. One row per NotificationCreated; created_at is that event's time and read_at
-- that of the NotificationRead or AllNotificationsRead that marked it, so a rebuild writes the same rows. Inserts
-- ignore a row that exists and reads only set a read_at that is null, so redelivered events are harmless; a
-- recipient's events are one sequence (NotificationInboxProjection.BY_RECIPIENT), hence one segment, in order.
-- Display names are not stored: the inbox joins user_profile when it is read, so nothing here goes stale.
-- The preferences table is not called notification_preference: the command side's table of that name (its V13) is
-- in the same schema.
CREATE TABLE notification (
    notification_id VARCHAR(100) PRIMARY KEY,
    recipient_id    VARCHAR(255) NOT NULL,
    trigger         VARCHAR(32)  NOT NULL,
    priority        VARCHAR(16)  NOT NULL,
    -- Null where no one is named, and once the actor is erased (the notification stays, from "Someone").
    actor_id        VARCHAR(255),
    subject_type    VARCHAR(16)  NOT NULL,
    -- Null once a user subject is erased.
    subject_id      VARCHAR(255),
    count           INTEGER      NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL,
    read_at         TIMESTAMPTZ
);
-- The inbox, newest first (notification_id breaks ties, so that pages do not overlap), and its unread part, which
-- also counts the badge.
CREATE INDEX notification_by_recipient ON notification (recipient_id, created_at DESC, notification_id DESC);
CREATE INDEX notification_unread_by_recipient ON notification (recipient_id, created_at DESC, notification_id DESC)
    WHERE read_at IS NULL;
-- An erasure forgets the user as actor and as subject in other users' inboxes.
CREATE INDEX notification_by_actor ON notification (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX notification_by_user_subject ON notification (subject_id) WHERE subject_type = 'user';
-- Retention (picflow.notifications.read-retention) removes read notifications, the longest read first.
CREATE INDEX notification_read ON notification (read_at) WHERE read_at IS NOT NULL;

-- A user's preferences as their last NotificationPreferencesChanged set them: the NotificationPreferences record as
-- JSON, read whole by GET /api/users/me/notification-preferences. A user without a row has the defaults
-- (DefaultPreferences).
CREATE TABLE notification_preference_view (
    user_id    VARCHAR(255) PRIMARY KEY,
    document   TEXT         NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);

-- The live feed carries Notification frames too (owner = the recipient, no download_id). An erasure rewrites the
-- frames that name the erased user as actor or subject (their display name is in the frame's text): these find them.
CREATE INDEX live_feed_notification_by_actor ON live_feed ((frame::jsonb #>> '{actor,userId}'))
    WHERE event_type = 'Notification';
CREATE INDEX live_feed_notification_by_subject ON live_feed ((frame::jsonb #>> '{subject,id}'))
    WHERE event_type = 'Notification';
