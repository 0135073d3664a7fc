package io.picflow.command;

import io.picflow.platform.web.ProblemException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
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
        requireNotErased(userId, null);
    }

    /**
     * In the current transaction: holds the shared locks of the user and of the other user the command is about (if
     * any), and refuses an erased user with 410, an erased other user with 404 (as any unknown user).
     */
    public void requireNotErased(String userId, String otherUserId) {
        String other = otherUserId == null ? userId : otherUserId;
        Map<String, OffsetDateTime> erased = new HashMap<>();
        // One round trip: the function takes the shared locks, then looks with a snapshot taken after it holds them.
        jdbc.sql("SELECT user_id, erased_at FROM picflow_user_activity(:user, :other)")
                .param("user", userId).param("other", other)
                .query((rs, row) -> erased.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class))).list();
        if (erased.containsKey(userId)) {
            throw new ProblemException(HttpStatus.GONE, "Gone", "This user was erased at " + erased.get(userId).toInstant()
                    + " and can no longer use the service");
        }
        if (erased.containsKey(other)) {
            throw ProblemException.notFound("No user " + other);
        }
    }

    /**
     * In the current transaction: holds the user's shared lock, and answers whether they are not erased (for work done
     * on a user's behalf by a processor, which skips an erased user rather than failing).
     */
    public boolean lockIfNotErased(String userId) {
        return jdbc.sql("SELECT user_id FROM picflow_user_activity(:user, :user)").param("user", userId)
                .query(String.class).list().isEmpty();
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
