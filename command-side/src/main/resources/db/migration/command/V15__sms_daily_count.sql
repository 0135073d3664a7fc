-- SMS sent immediately per user and day (the user's local day, in their time zone): the daily cap that folds the rest
-- into a digest held until their next day, across nodes. Personal data: an erasure deletes the user's rows; rows of
-- days more than two days past are deleted hourly (NotificationsRetention).
CREATE TABLE notification_sms_count (
    user_id VARCHAR(255) NOT NULL,
    day     DATE         NOT NULL,
    sent    INTEGER      NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX notification_sms_count_by_day ON notification_sms_count (day);
