package io.picflow.query.favorites;

import static io.picflow.query.SqlBatch.parameters;

import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.MutualFavoriteDissolved;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserExcluded;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserShortlisted;
import io.picflow.events.favorites.UserUnexcluded;
import io.picflow.events.favorites.UserUnfavorited;
import io.picflow.events.favorites.UserUnshortlisted;
import io.picflow.events.users.UserErased;
import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.privacy.PersonalData;
import io.picflow.query.BatchedWrites;
import io.picflow.query.SqlBatch;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Projects the social graph into its tables (V4__social.sql). Inserts keep an existing row and deletes
 * of a missing row change nothing, so a redelivered event is harmless; a relationship's events arrive
 * in order because they share an aggregate, hence a segment. Statements wait for the end of the batch
 * of events and run as JDBC batches ({@link SqlBatch}), in order for each row.
 *
 * <p>Notes and reasons arrive encrypted for their author and the user they are about, and are stored opened
 * ({@link PersonalData}).
 * Nothing is written about an erased user, whichever segment or rebuild processes their events after the
 * erasure; {@link UserErased} deletes every row that names them (ADR 0011).
 */
@Component
@ProcessingGroup(FavoritesProjection.PROCESSING_GROUP)
class FavoritesProjection {

    static final String PROCESSING_GROUP = "favorites";

    /** A table, and the columns that name a user in it. */
    private record UserColumns(String table, List<String> columns) {
    }

    /** In one fixed order, the order their locks are taken in. */
    private static final List<UserColumns> USER_COLUMNS = List.of(
            new UserColumns("user_favorite", List.of("actor_id", "target_id")),
            new UserColumns("user_mutual", List.of("user_id", "other_id")),
            new UserColumns("user_shortlist", List.of("actor_id", "target_id")),
            new UserColumns("user_exclusion", List.of("actor_id", "target_id")),
            new UserColumns("image_favorite", List.of("user_id")));

    private final NamedParameterJdbcTemplate jdbc;
    private final BatchedWrites writes;
    private final PersonalData personalData;
    private final ErasedUsers erasedUsers;

    FavoritesProjection(NamedParameterJdbcTemplate jdbc, BatchedWrites writes, PersonalData personalData, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.personalData = personalData;
        this.erasedUsers = erasedUsers;
        writes.register(PROCESSING_GROUP);
    }

    @EventHandler
    void on(UserFavorited event, @Timestamp Instant at) {
        write(row("user_favorite", event.actorId(), event.targetId()),
                "INSERT INTO user_favorite (actor_id, target_id, source, created_at) SELECT :actor, :target, :source, :at "
                        + "WHERE " + neitherErased("actor", "target") + " ON CONFLICT DO NOTHING",
                parameters("actor", event.actorId(), "target", event.targetId(), "source", event.source(), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnfavorited event) {
        delete("user_favorite", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(MutualFavoriteFormed event, @Timestamp Instant at) {
        write(mutualRow(event.userA(), event.userB()),
                "INSERT INTO user_mutual (user_id, other_id, formed_at) SELECT pair.one, pair.other, :at FROM (VALUES (:a, :b), (:b, :a)) "
                        + "AS pair (one, other) WHERE " + neitherErased("a", "b") + " ON CONFLICT DO NOTHING",
                parameters("a", event.userA(), "b", event.userB(), "at", utc(at)));
    }

    @EventHandler
    void on(MutualFavoriteDissolved event) {
        write(mutualRow(event.userA(), event.userB()),
                "DELETE FROM user_mutual WHERE (user_id = :a AND other_id = :b) OR (user_id = :b AND other_id = :a)",
                parameters("a", event.userA(), "b", event.userB()));
    }

    @EventHandler
    void on(UserShortlisted event, @Timestamp Instant at) {
        // A changed note keeps the entry's place (its first time).
        write(row("user_shortlist", event.actorId(), event.targetId()),
                "INSERT INTO user_shortlist (actor_id, target_id, note, created_at) SELECT :actor, :target, :note, :at "
                        + "WHERE " + neitherErased("actor", "target") + " ON CONFLICT (actor_id, target_id) DO UPDATE SET note = excluded.note",
                parameters("actor", event.actorId(), "target", event.targetId(),
                        "note", personalData.openAboutOrNull(event.actorId(), event.targetId(), event.note()), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnshortlisted event) {
        delete("user_shortlist", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(UserExcluded event, @Timestamp Instant at) {
        write(row("user_exclusion", event.actorId(), event.targetId()),
                "INSERT INTO user_exclusion (actor_id, target_id, reason, created_at) SELECT :actor, :target, :reason, :at "
                        + "WHERE " + neitherErased("actor", "target") + " ON CONFLICT DO NOTHING",
                parameters("actor", event.actorId(), "target", event.targetId(),
                        "reason", personalData.openAboutOrNull(event.actorId(), event.targetId(), event.reason()), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnexcluded event) {
        delete("user_exclusion", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(ImageFavorited event, @Timestamp Instant at) {
        write(row("image_favorite", event.actorId(), event.imageId()),
                "INSERT INTO image_favorite (user_id, image_id, source, created_at) SELECT :user, :image, :source, :at "
                        + "WHERE " + erasedUsers.notErased("user") + " ON CONFLICT DO NOTHING",
                parameters("user", event.actorId(), "image", event.imageId(), "source", event.source(), "at", utc(at)));
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        delete("image_favorite", "user_id", event.actorId(), "image_id", event.imageId());
    }

    /**
     * Every row that names the user goes, whatever the events before said (they dissolved what was in force; this
     * also covers what other users' lists held about them). Runs at once rather than at the end of the batch: the
     * batch's writes about this user are skipped anyway. Each lock waits for writers of its table that started
     * before the erasure was recorded, so the delete sees their rows.
     */
    @EventHandler
    void on(UserErased event) {
        for (UserColumns table : USER_COLUMNS) {
            jdbc.getJdbcTemplate().execute("LOCK TABLE " + table.table() + " IN SHARE ROW EXCLUSIVE MODE");
            jdbc.update("DELETE FROM " + table.table() + " WHERE " + String.join(" = :user OR ", table.columns()) + " = :user",
                    Map.of("user", event.userId()));
        }
    }

    private String neitherErased(String first, String second) {
        return erasedUsers.notErased(first) + " AND " + erasedUsers.notErased(second);
    }

    /** Table and column names are ours, never input. */
    private void delete(String table, String firstColumn, String first, String secondColumn, String second) {
        write(row(table, first, second), "DELETE FROM " + table + " WHERE " + firstColumn + " = :first AND " + secondColumn + " = :second",
                parameters("first", first, "second", second));
    }

    /** Statements run at the end of the batch, as JDBC batches ({@link BatchedWrites}). */
    private void write(String row, String sql, Map<String, Object> parameters) {
        writes.add(PROCESSING_GROUP, SqlBatch.class, () -> new SqlBatch(jdbc), batch -> batch.add(row, sql, parameters));
    }

    /** A row's key in a batch; ids are length-prefixed, so that no two pairs of ids make the same key. */
    private static String row(String table, String first, String second) {
        return table + ":" + first.length() + ":" + first + second;
    }

    private static String mutualRow(String userA, String userB) {
        return userA.compareTo(userB) < 0 ? row("user_mutual", userA, userB) : row("user_mutual", userB, userA);
    }

    private static OffsetDateTime utc(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }
}
