package io.picflow.platform.privacy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

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
    private final Cache<String, byte[]> cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CACHED_FOR).build();

    public UserKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Two nodes creating a user's key at once agree on one. */
    @Override
    public byte[] getOrCreate(String userId) {
        return find(userId).orElseGet(() -> {
            jdbc.sql("INSERT INTO user_key (user_id, key) VALUES (:user, :key) ON CONFLICT (user_id) DO NOTHING")
                    .param("user", userId).param("key", PersonalTextCipher.newKey()).update();
            return find(userId).orElseThrow(() -> new IllegalStateException("The key of a user just created is gone"));
        });
    }

    @Override
    public Optional<byte[]> find(String userId) {
        byte[] cached = cache.getIfPresent(userId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> key = jdbc.sql("SELECT key FROM user_key WHERE user_id = :user").param("user", userId)
                .query(byte[].class).optional();
        key.ifPresent(found -> cache.put(userId, found));
        return key;
    }

    /** Deletes the user's key for good, in the caller's transaction; returns whether there was one. */
    public boolean erase(String userId) {
        cache.invalidate(userId);
        return jdbc.sql("DELETE FROM user_key WHERE user_id = :user").param("user", userId).update() > 0;
    }
}
