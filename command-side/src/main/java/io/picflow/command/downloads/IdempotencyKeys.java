package io.picflow.command.downloads;

import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Remembers which download an {@code Idempotency-Key} created, per user. Uniqueness is the table's
 * primary key, not a read-then-write; callers run inside the transaction that also appends the
 * download's first event, so a key and its download are stored together or not at all.
 */
@Repository
class IdempotencyKeys {

    record Stored(String requestHash, String downloadId, String correlationId) {
    }

    private final JdbcClient jdbc;

    IdempotencyKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes a transaction-scoped lock on (user, key) without waiting. False means another request
     * with the same key is being handled right now.
     */
    boolean tryLock(String userId, String key) {
        return jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock, 0))")
                .param("lock", "idempotency:" + userId + ":" + key)
                .query(Boolean.class).single();
    }

    Optional<Stored> find(String userId, String key) {
        return jdbc.sql("SELECT request_hash, download_id, correlation_id FROM idempotency_key WHERE user_id = :user AND idempotency_key = :key")
                .param("user", userId).param("key", key)
                .query((rs, n) -> new Stored(rs.getString(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    /** Inserts the key; the primary key makes a concurrent duplicate fail rather than double-create. */
    void insert(String userId, String key, Stored stored) {
        jdbc.sql("INSERT INTO idempotency_key (user_id, idempotency_key, request_hash, download_id, correlation_id) "
                        + "VALUES (:user, :key, :hash, :download, :correlation)")
                .param("user", userId).param("key", key).param("hash", stored.requestHash())
                .param("download", stored.downloadId()).param("correlation", stored.correlationId())
                .update();
    }
}
