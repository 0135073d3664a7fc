package io.picflow.command;

import io.picflow.platform.web.ProblemException;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Keeps a user's commands and that user's erasure apart. Every transaction that acts for a user holds a
 * shared transaction-scoped advisory lock on them and checks that they are not erased; the erasure takes the
 * same lock exclusively while it records the erasure. So an erasure waits for the commands already under way,
 * and every later command sees it: none slips past the erasure's inventory of what to undo (ADR 0011).
 */
@Component
public class UserActivity {

    private final JdbcClient jdbc;

    UserActivity(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** In the current transaction: holds the user's shared lock, and refuses an erased user with 410. */
    public void requireNotErased(String userId) {
        Optional<OffsetDateTime> erasedAt = lockAndLookUp(userId);
        if (erasedAt.isPresent()) {
            throw new ProblemException(HttpStatus.GONE, "Gone", "This user was erased at " + erasedAt.get().toInstant()
                    + " and can no longer use the service");
        }
    }

    /** In the current transaction: holds the other user's shared lock, and answers 404 for an erased one, as for any unknown user. */
    public void requireOtherNotErased(String otherUserId) {
        if (lockAndLookUp(otherUserId).isPresent()) {
            throw ProblemException.notFound("No user " + otherUserId);
        }
    }

    private Optional<OffsetDateTime> lockAndLookUp(String userId) {
        // Two statements: a statement sees the data committed when it started, so the look must start after the lock is held.
        jdbc.sql("SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared(hashtextextended(:lock, 0))) AS locked").param("lock", lockName(userId))
                .query((rs, row) -> 1).list();
        return jdbc.sql("SELECT erased_at FROM erased_user WHERE user_id = :user").param("user", userId)
                .query(OffsetDateTime.class).optional();
    }

    /** In the current transaction: waits for the user's commands under way and keeps new ones out until it ends. */
    public void lockForErasure(String userId) {
        jdbc.sql("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))) AS locked").param("lock", lockName(userId))
                .query((rs, row) -> 1).list();
    }

    private static String lockName(String userId) {
        return "user-activity:" + userId;
    }
}
