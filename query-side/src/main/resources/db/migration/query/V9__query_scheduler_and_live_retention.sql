-- The query side's own recurring jobs (live-feed retention), run by its own db-scheduler on this
-- table, so that the query side can be deployed, scaled and migrated without the command side's
-- tables (db-scheduler's PostgreSQL schema, as the command side's scheduled_tasks).
CREATE TABLE query_scheduled_tasks (
    task_name            TEXT                     NOT NULL,
    task_instance        TEXT                     NOT NULL,
    task_data            BYTEA,
    execution_time       TIMESTAMP WITH TIME ZONE NOT NULL,
    picked               BOOLEAN                  NOT NULL,
    picked_by            TEXT,
    last_success         TIMESTAMP WITH TIME ZONE,
    last_failure         TIMESTAMP WITH TIME ZONE,
    consecutive_failures INT,
    last_heartbeat       TIMESTAMP WITH TIME ZONE,
    version              BIGINT                   NOT NULL,
    priority             SMALLINT,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX query_scheduled_tasks_execution_time_idx ON query_scheduled_tasks (execution_time);
CREATE INDEX query_scheduled_tasks_last_heartbeat_idx ON query_scheduled_tasks (last_heartbeat);
CREATE INDEX query_scheduled_tasks_priority_execution_time_idx ON query_scheduled_tasks (priority DESC, execution_time ASC);

-- Live-feed retention (picflow.live.retention) removes the oldest frames, always a prefix of the
-- positions. This row remembers the highest position removed: a client resuming with an after=
-- below it would miss frames and is told so (4410), and the feed's head never goes back below it,
-- even when every frame is gone.
CREATE TABLE live_feed_horizon (
    only_row        BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    removed_through BIGINT  NOT NULL
);
INSERT INTO live_feed_horizon (removed_through) VALUES (0);

-- Retention removes the last frames of completed and cancelled downloads with the feed's old frames.
CREATE INDEX live_download_by_position ON live_download (position);
