-- The event browser's indexes (see V2 for the functions they index and why). Built CONCURRENTLY, so that
-- appends go on while an existing store is indexed (several seconds per million events): Flyway runs a
-- migration made only of such statements outside a transaction. If a build is interrupted, PostgreSQL
-- leaves an INVALID index behind: drop it and start the service again. Changing one of the V2 functions
-- later needs a REINDEX of its index.

CREATE INDEX CONCURRENTLY IF NOT EXISTS domain_event_entry_correlation ON domain_event_entry (picflow_correlation_id(meta_data), global_index);

CREATE INDEX CONCURRENTLY IF NOT EXISTS domain_event_entry_event_type ON domain_event_entry (picflow_event_type(payload_type), global_index);

CREATE INDEX CONCURRENTLY IF NOT EXISTS domain_event_entry_event_time ON domain_event_entry (picflow_event_time(time_stamp));
