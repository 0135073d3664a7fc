package io.picflow.command.users;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The contact store: personal data (email) keyed by user, outside the event store, so that it can be
 * erased without rewriting history. Events refer to users by id only.
 */
@Repository
public class UserContacts {

    private final JdbcClient jdbc;

    UserContacts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void save(String userId, String email) {
        jdbc.sql("INSERT INTO user_contact (user_id, email, updated_at) VALUES (:user, :email, :at) "
                        + "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at")
                .param("user", userId).param("email", email)
                .param("at", OffsetDateTime.now(ZoneOffset.UTC))
                .update();
    }

    /** Erases what the store holds about the user; returns whether there was anything. */
    boolean erase(String userId) {
        return jdbc.sql("DELETE FROM user_contact WHERE user_id = :user").param("user", userId).update() > 0;
    }

    java.util.Optional<String> email(String userId) {
        return jdbc.sql("SELECT email FROM user_contact WHERE user_id = :user").param("user", userId)
                .query(String.class).optional();
    }
}
