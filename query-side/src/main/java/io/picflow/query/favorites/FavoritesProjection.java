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
import io.picflow.query.BatchedWrites;
import io.picflow.query.SqlBatch;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 */
@Component
@ProcessingGroup(FavoritesProjection.PROCESSING_GROUP)
class FavoritesProjection {

    static final String PROCESSING_GROUP = "favorites";

    private final NamedParameterJdbcTemplate jdbc;
    private final BatchedWrites writes;

    FavoritesProjection(NamedParameterJdbcTemplate jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
        writes.register(PROCESSING_GROUP);
    }

    @EventHandler
    void on(UserFavorited event, @Timestamp Instant at) {
        write(row("user_favorite", event.actorId(), event.targetId()),
                "INSERT INTO user_favorite (actor_id, target_id, source, created_at) VALUES (:actor, :target, :source, :at) "
                        + "ON CONFLICT DO NOTHING",
                parameters("actor", event.actorId(), "target", event.targetId(), "source", event.source(), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnfavorited event) {
        delete("user_favorite", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(MutualFavoriteFormed event, @Timestamp Instant at) {
        write(mutualRow(event.userA(), event.userB()),
                "INSERT INTO user_mutual (user_id, other_id, formed_at) VALUES (:a, :b, :at), (:b, :a, :at) ON CONFLICT DO NOTHING",
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
                "INSERT INTO user_shortlist (actor_id, target_id, note, created_at) VALUES (:actor, :target, :note, :at) "
                        + "ON CONFLICT (actor_id, target_id) DO UPDATE SET note = excluded.note",
                parameters("actor", event.actorId(), "target", event.targetId(), "note", event.note(), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnshortlisted event) {
        delete("user_shortlist", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(UserExcluded event, @Timestamp Instant at) {
        write(row("user_exclusion", event.actorId(), event.targetId()),
                "INSERT INTO user_exclusion (actor_id, target_id, reason, created_at) VALUES (:actor, :target, :reason, :at) "
                        + "ON CONFLICT DO NOTHING",
                parameters("actor", event.actorId(), "target", event.targetId(), "reason", event.reason(), "at", utc(at)));
    }

    @EventHandler
    void on(UserUnexcluded event) {
        delete("user_exclusion", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(ImageFavorited event, @Timestamp Instant at) {
        write(row("image_favorite", event.actorId(), event.imageId()),
                "INSERT INTO image_favorite (user_id, image_id, source, created_at) VALUES (:user, :image, :source, :at) "
                        + "ON CONFLICT DO NOTHING",
                parameters("user", event.actorId(), "image", event.imageId(), "source", event.source(), "at", utc(at)));
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        delete("image_favorite", "user_id", event.actorId(), "image_id", event.imageId());
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
