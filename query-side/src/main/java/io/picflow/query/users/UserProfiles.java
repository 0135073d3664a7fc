package io.picflow.query.users;

import io.picflow.events.users.UserErased;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.privacy.PersonalData;
import io.picflow.query.BatchedWrites;
import io.picflow.query.SqlBatch;
import io.picflow.query.cache.ReadCache;
import io.picflow.query.favorites.FavoriteCounts;
import io.picflow.query.favorites.FavoritesReadModel;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import io.picflow.platform.web.ProblemException;

/**
 * Public profiles: the {@code user_profile} table (processing group {@code users}) and
 * {@code GET /api/users/{userId}}. Contact details never reach the query side; display names arrive encrypted with
 * their user's key and are stored opened, and an erased user's profile is deleted and never written again.
 */
@RestController
@ProcessingGroup(UserProfiles.PROCESSING_GROUP)
class UserProfiles {

    record Profile(String userId, String displayName, Instant registeredAt, FavoriteCounts counts) {
    }

    static final String PROCESSING_GROUP = "users";

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batchJdbc;
    private final BatchedWrites writes;
    private final ReadCache cache;
    private final FavoritesReadModel favorites;
    private final PersonalData personalData;
    private final ErasedUsers erasedUsers;

    UserProfiles(JdbcClient jdbc, NamedParameterJdbcTemplate batchJdbc, BatchedWrites writes, ReadCache cache,
            FavoritesReadModel favorites, PersonalData personalData, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.personalData = personalData;
        this.erasedUsers = erasedUsers;
        this.cache = cache;
        this.favorites = favorites;
        this.batchJdbc = batchJdbc;
        this.writes = writes;
        writes.register(PROCESSING_GROUP);
    }

    /** Written at the end of the batch of events, as one JDBC batch ({@link BatchedWrites}). */
    @EventHandler
    void on(UserRegistered event, @Timestamp Instant at) {
        String displayName = personalData.openOrNull(event.userId(), event.displayName());
        if (displayName == null) {
            return; // the user's key is erased: so is the user
        }
        writes.add(PROCESSING_GROUP, SqlBatch.class, () -> new SqlBatch(batchJdbc), batch -> batch.add(event.userId(),
                "INSERT INTO user_profile (user_id, display_name, registered_at) SELECT :id, :name, :at WHERE " + erasedUsers.notErased("id")
                        + " ON CONFLICT (user_id) DO NOTHING",
                SqlBatch.parameters("id", event.userId(), "name", displayName, "at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))));
    }

    /** At once, not at the end of the batch: the batch's writes about this user are skipped anyway. */
    @EventHandler
    void on(UserErased event) {
        jdbc.sql("LOCK TABLE user_profile IN SHARE ROW EXCLUSIVE MODE").update();
        jdbc.sql("DELETE FROM user_profile WHERE user_id = :id").param("id", event.userId()).update();
    }

    /** The profile and favorite counts, from the cache when it holds the user, else from PostgreSQL. */
    @GetMapping("/api/users/{userId}")
    ResponseEntity<Profile> profile(@PathVariable String userId) {
        Optional<Profile> profile = cache.user(userId)
                .map(user -> new Profile(user.userId(), user.displayName(), user.registeredAt(), user.counts()))
                .or(() -> jdbc.sql("SELECT user_id, display_name, registered_at FROM user_profile WHERE user_id = :id")
                        .param("id", userId)
                        .query((rs, row) -> new Profile(rs.getString(1), rs.getString(2),
                                rs.getObject(3, OffsetDateTime.class).toInstant(), favorites.counts(userId)))
                        .optional());
        return ResponseEntity.ok(profile.orElseThrow(() -> ProblemException.notFound("No user " + userId)));
    }
}
