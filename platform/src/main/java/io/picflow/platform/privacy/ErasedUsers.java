package io.picflow.platform.privacy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code erased_user} table: the subjects that asked to be forgotten, and whether everything about them
 * is gone yet. Written by the command side in the transaction that erases the user's key; read by both
 * sides: the API refuses these subjects with 410, and read models skip any write about them (an event of
 * theirs that a lagging segment processes after the erasure must not bring their rows back, nor must a
 * rebuild).
 */
@Repository
public class ErasedUsers {

    private final JdbcClient jdbc;
    private final String table;

    public ErasedUsers(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.table = PrivacyTables.qualified(jdbc, "erased_user");
    }

    /** When the subject was erased, if it was. */
    public Optional<Instant> erasedAt(String userId) {
        return jdbc.sql("SELECT erased_at FROM " + table + " WHERE user_id = :user").param("user", userId)
                .query(OffsetDateTime.class).optional().map(OffsetDateTime::toInstant);
    }

    /** Those of {@code userIds} that are erased. */
    public Set<String> erasedAmong(Collection<String> userIds) {
        return Set.copyOf(jdbc.sql("SELECT user_id FROM " + table + " WHERE user_id = ANY(:users)")
                .param("users", userIds.toArray(String[]::new)).query(String.class).list());
    }

    /**
     * A SQL condition, true when the user named by the statement's parameter {@code :parameter} is not erased:
     * for {@code INSERT ... SELECT ... WHERE}, so that the check and the write are one statement.
     */
    public String notErased(String parameter) {
        // Typed, so that the same parameter may also stand untyped in the statement's SELECT list (a null, say).
        return "NOT EXISTS (SELECT 1 FROM " + table + " WHERE user_id = CAST(:" + parameter + " AS varchar))";
    }
}
