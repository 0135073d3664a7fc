package io.picflow.query.favorites;

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
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Projects the social graph into its tables (V4__social.sql). Inserts keep an existing row and deletes
 * of a missing row change nothing, so a redelivered event is harmless; a relationship's events arrive
 * in order because they share an aggregate, hence a segment.
 */
@Component
@ProcessingGroup(FavoritesProjection.PROCESSING_GROUP)
class FavoritesProjection {

    static final String PROCESSING_GROUP = "favorites";

    private final JdbcClient jdbc;

    FavoritesProjection(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(UserFavorited event, @Timestamp Instant at) {
        jdbc.sql("INSERT INTO user_favorite (actor_id, target_id, source, created_at) VALUES (:actor, :target, :source, :at) "
                        + "ON CONFLICT DO NOTHING")
                .param("actor", event.actorId()).param("target", event.targetId()).param("source", event.source())
                .param("at", utc(at)).update();
    }

    @EventHandler
    void on(UserUnfavorited event) {
        delete("user_favorite", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(MutualFavoriteFormed event, @Timestamp Instant at) {
        jdbc.sql("INSERT INTO user_mutual (user_id, other_id, formed_at) VALUES (:a, :b, :at), (:b, :a, :at) "
                        + "ON CONFLICT DO NOTHING")
                .param("a", event.userA()).param("b", event.userB()).param("at", utc(at)).update();
    }

    @EventHandler
    void on(MutualFavoriteDissolved event) {
        jdbc.sql("DELETE FROM user_mutual WHERE (user_id = :a AND other_id = :b) OR (user_id = :b AND other_id = :a)")
                .param("a", event.userA()).param("b", event.userB()).update();
    }

    @EventHandler
    void on(UserShortlisted event, @Timestamp Instant at) {
        // A changed note keeps the entry's place (its first time).
        jdbc.sql("INSERT INTO user_shortlist (actor_id, target_id, note, created_at) VALUES (:actor, :target, :note, :at) "
                        + "ON CONFLICT (actor_id, target_id) DO UPDATE SET note = excluded.note")
                .param("actor", event.actorId()).param("target", event.targetId()).param("note", event.note())
                .param("at", utc(at)).update();
    }

    @EventHandler
    void on(UserUnshortlisted event) {
        delete("user_shortlist", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(UserExcluded event, @Timestamp Instant at) {
        jdbc.sql("INSERT INTO user_exclusion (actor_id, target_id, reason, created_at) VALUES (:actor, :target, :reason, :at) "
                        + "ON CONFLICT DO NOTHING")
                .param("actor", event.actorId()).param("target", event.targetId()).param("reason", event.reason())
                .param("at", utc(at)).update();
    }

    @EventHandler
    void on(UserUnexcluded event) {
        delete("user_exclusion", "actor_id", event.actorId(), "target_id", event.targetId());
    }

    @EventHandler
    void on(ImageFavorited event, @Timestamp Instant at) {
        jdbc.sql("INSERT INTO image_favorite (user_id, image_id, source, created_at) VALUES (:user, :image, :source, :at) "
                        + "ON CONFLICT DO NOTHING")
                .param("user", event.actorId()).param("image", event.imageId()).param("source", event.source())
                .param("at", utc(at)).update();
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        delete("image_favorite", "user_id", event.actorId(), "image_id", event.imageId());
    }

    /** Table and column names are ours, never input. */
    private void delete(String table, String firstColumn, String first, String secondColumn, String second) {
        jdbc.sql("DELETE FROM " + table + " WHERE " + firstColumn + " = :first AND " + secondColumn + " = :second")
                .param("first", first).param("second", second).update();
    }

    private static OffsetDateTime utc(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }
}
