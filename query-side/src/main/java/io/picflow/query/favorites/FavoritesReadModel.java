package io.picflow.query.favorites;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads the social graph's tables. Every list is newest first and leaves out users the reader has
 * excluded (an exclusion hides the other user from all of the excluder's lists).
 */
@Repository
public class FavoritesReadModel {

    /** One entry of a user list: the other user, their display name (null if not yet projected), and the entry's details. */
    public record UserEntry(String userId, String displayName, Instant since, String source, String note, String reason) {
    }

    public record ImageEntry(String imageId, Instant since, String source) {
    }

    /** Which list, and how it is read: the table, the column naming the reader, the other user and the time. */
    enum UserList {
        FAVORITES("user_favorite", "actor_id", "target_id", "created_at", "source", "NULL", "NULL"),
        FAVORITED_BY("user_favorite", "target_id", "actor_id", "created_at", "source", "NULL", "NULL"),
        MUTUALS("user_mutual", "user_id", "other_id", "formed_at", "NULL", "NULL", "NULL"),
        SHORTLIST("user_shortlist", "actor_id", "target_id", "created_at", "NULL", "note", "NULL"),
        EXCLUSIONS("user_exclusion", "actor_id", "target_id", "created_at", "NULL", "NULL", "reason");

        final String table;
        final String reader;
        final String other;
        final String time;
        final String source;
        final String note;
        final String reason;

        UserList(String table, String reader, String other, String time, String source, String note, String reason) {
            this.table = table;
            this.reader = reader;
            this.other = other;
            this.time = time;
            this.source = source;
            this.note = note;
            this.reason = reason;
        }

        /** The exclusions list is the one list that shows excluded users. */
        String hidingExcluded() {
            return this == EXCLUSIONS ? "" : " AND NOT EXISTS (SELECT 1 FROM user_exclusion x WHERE x.actor_id = :reader"
                    + " AND x.target_id = l." + other + ")";
        }
    }

    private final JdbcClient jdbc;

    FavoritesReadModel(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<UserEntry> users(UserList list, String reader, int page, int size) {
        return jdbc.sql("SELECT l." + list.other + " AS other, p.display_name, l." + list.time + " AS since, "
                        + list.source + " AS source, " + list.note + " AS note, " + list.reason + " AS reason FROM "
                        + list.table + " l LEFT JOIN user_profile p ON p.user_id = l." + list.other
                        + " WHERE l." + list.reader + " = :reader" + list.hidingExcluded()
                        + " ORDER BY l." + list.time + " DESC, l." + list.other + " LIMIT :limit OFFSET :offset")
                .param("reader", reader).param("limit", size).param("offset", (long) page * size)
                .query((rs, row) -> new UserEntry(rs.getString("other"), rs.getString("display_name"),
                        rs.getObject("since", OffsetDateTime.class).toInstant(), rs.getString("source"),
                        rs.getString("note"), rs.getString("reason")))
                .list();
    }

    long countUsers(UserList list, String reader) {
        return jdbc.sql("SELECT count(*) FROM " + list.table + " l WHERE l." + list.reader + " = :reader" + list.hidingExcluded())
                .param("reader", reader).query(Long.class).single();
    }

    List<ImageEntry> images(String reader, int page, int size) {
        return jdbc.sql("SELECT image_id, created_at, source FROM image_favorite WHERE user_id = :reader "
                        + "ORDER BY created_at DESC, image_id LIMIT :limit OFFSET :offset")
                .param("reader", reader).param("limit", size).param("offset", (long) page * size)
                .query((rs, row) -> new ImageEntry(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant(),
                        rs.getString(3)))
                .list();
    }

    long countImages(String reader) {
        return jdbc.sql("SELECT count(*) FROM image_favorite WHERE user_id = :reader").param("reader", reader)
                .query(Long.class).single();
    }

    /** How many users favorite the image. */
    public long imageFavoriteCount(String imageId) {
        return jdbc.sql("SELECT count(*) FROM image_favorite WHERE image_id = :image").param("image", imageId)
                .query(Long.class).single();
    }

    /** A user's favorite counts, counted in the tables (the cache keeps them for hot reads). */
    public FavoriteCounts counts(String userId) {
        return jdbc.sql("SELECT (SELECT count(*) FROM user_favorite WHERE actor_id = :user), "
                        + "(SELECT count(*) FROM user_favorite WHERE target_id = :user), "
                        + "(SELECT count(*) FROM user_mutual WHERE user_id = :user), "
                        + "(SELECT count(*) FROM image_favorite WHERE user_id = :user)")
                .param("user", userId)
                .query((rs, row) -> new FavoriteCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                .single();
    }
}
