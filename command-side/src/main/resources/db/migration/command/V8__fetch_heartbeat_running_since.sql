-- Since when a fetch transfers or processes; null while it waits behind the concurrency limits. The watchdog
-- counts only this running time against its cap (queue time does not count), also for a fetch on another node.
ALTER TABLE fetch_heartbeat ADD COLUMN running_since TIMESTAMPTZ;
-- Finding the rows of nodes that stopped beating, every beat.
CREATE INDEX fetch_heartbeat_by_beat ON fetch_heartbeat (beat_at);
