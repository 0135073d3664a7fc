package io.picflow.platform.privacy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@code user_key} table: one random AES key per user, the only way to read their {@code EncryptedText}.
 * Both sides read it (the one exception to "events are the only contract", ADR 0011); the command side
 * creates keys and erases them.
 *
 * <p>Keys are cached for a minute, so that projecting or rebuilding a history full of shortlist notes does not
 * cost a query per event. An erasure drops the key from this node's cache at once; another node may still
 * hold it for up to a minute, during which the erased user's commands are refused and the read models'
 * writes for them are skipped, so nothing new is decrypted into a read model.
 */
@Repository
public class UserKeys implements UserKeySource {

    private static final Duration CACHED_FOR = Duration.ofMinutes(1);

    private final JdbcClient jdbc;
    private final String table;
    private final Cache<String, byte[]> cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CACHED_FOR).build();

    public UserKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.table = PrivacyTables.qualified(jdbc, "user_key");
    }

    /** Two nodes creating a user's key at once agree on one. */
    @Override
    public byte[] getOrCreate(String userId) {
        return find(userId).orElseGet(() -> jdbc.sql("INSERT INTO " + table + " (user_id, key) VALUES (:user, :key) "
                        + "ON CONFLICT (user_id) DO NOTHING RETURNING key")
                .param("user", userId).param("key", PersonalTextCipher.newKey()).query(byte[].class).optional()
                .map(created -> {
                    cacheOnceCommitted(userId, created);
                    return created;
                })
                // Another transaction created it first.
                .or(() -> find(userId))
                .orElseThrow(() -> new IllegalStateException("The key of a user just created is gone")));
    }

    @Override
    public Optional<byte[]> find(String userId) {
        byte[] cached = cache.getIfPresent(userId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> key = jdbc.sql("SELECT key FROM " + table + " WHERE user_id = :user").param("user", userId)
                .query(byte[].class).optional();
        key.ifPresent(found -> cacheOnceCommitted(userId, found));
        return key;
    }

    /**
     * A key read in a transaction may be one that transaction created: cached only if it commits. Otherwise a retry
     * after a rollback would encrypt with a key that no longer exists.
     */
    private void cacheOnceCommitted(String userId, byte[] key) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            cache.put(userId, key);
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                cache.put(userId, key);
            }
        });
    }

    /** Deletes the user's key for good, in the caller's transaction; returns whether there was one. */
    public boolean erase(String userId) {
        cache.invalidate(userId);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            // Again once deleted for all to see: a reader on this node may have cached it meanwhile.
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    cache.invalidate(userId);
                }
            });
        }
        return jdbc.sql("DELETE FROM " + table + " WHERE user_id = :user").param("user", userId).update() > 0;
    }
}
