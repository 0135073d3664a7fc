package io.picflow.command.favorites;

import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.UserExcluded;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserShortlisted;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What an erasure of a user must undo in the favorites context: the users they have a relationship with (either
 * way) and the images they favorite ({@code favorite_link}). A subscribing processor: the rows change in the
 * same transaction as the events, so an erasure that starts after a command committed finds its link.
 * Relationship links are kept once made (the pair's aggregate decides what is still in force when the erasure
 * comes); image links go with the favorite.
 */
@Component
@ProcessingGroup(FavoriteLinks.PROCESSING_GROUP)
class FavoriteLinks {

    static final String PROCESSING_GROUP = "favorite-links";
    static final String USER = "user";
    static final String IMAGE = "image";

    private final JdbcClient jdbc;

    FavoriteLinks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(UserFavorited event) {
        related(event.actorId(), event.targetId());
    }

    @EventHandler
    void on(UserShortlisted event) {
        related(event.actorId(), event.targetId());
    }

    @EventHandler
    void on(UserExcluded event) {
        related(event.actorId(), event.targetId());
    }

    @EventHandler
    void on(ImageFavorited event) {
        jdbc.sql("INSERT INTO favorite_link (user_id, kind, target_id) VALUES (:user, 'image', :image) ON CONFLICT DO NOTHING")
                .param("user", event.actorId()).param("image", event.imageId()).update();
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        jdbc.sql("DELETE FROM favorite_link WHERE user_id = :user AND kind = 'image' AND target_id = :image")
                .param("user", event.actorId()).param("image", event.imageId()).update();
    }

    private void related(String a, String b) {
        jdbc.sql("INSERT INTO favorite_link (user_id, kind, target_id) VALUES (:a, 'user', :b), (:b, 'user', :a) ON CONFLICT DO NOTHING")
                .param("a", a).param("b", b).update();
    }

    /** The targets of {@code kind} linked to {@code userId}. */
    List<String> of(String userId, String kind) {
        return jdbc.sql("SELECT target_id FROM favorite_link WHERE user_id = :user AND kind = :kind ORDER BY target_id")
                .param("user", userId).param("kind", kind).query(String.class).list();
    }

    /** Forgets the user's links, both ways. */
    void forget(String userId) {
        jdbc.sql("DELETE FROM favorite_link WHERE user_id = :user OR (kind = 'user' AND target_id = :user)").param("user", userId).update();
    }
}
