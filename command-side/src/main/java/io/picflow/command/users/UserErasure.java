package io.picflow.command.users;

import io.picflow.command.CommandSender;
import io.picflow.command.UserActivity;
import io.picflow.command.downloads.DownloadsErasure;
import io.picflow.command.favorites.FavoritesErasure;
import io.picflow.command.notifications.NotificationsErasure;
import io.picflow.platform.privacy.UserKeys;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Erases a user at their request (ADR 0011), in two steps.
 *
 * <ol>
 * <li>{@link #begin}, in one transaction that waits for the user's commands under way ({@link UserActivity}):
 * records the erasure (from then on the subject is refused), and deletes their key, which makes every
 * encrypted text of theirs in the event store unreadable, their contact details, and what the notifications context
 * holds about them (codes, preferences, deliveries).</li>
 * <li>{@link #complete}, right after on this node, or later on any node (the {@code user-erasure} task takes up
 * erasures left unfinished by a crash): cancels their unfinished downloads, ends their relationships and image
 * favorites with the usual events, stores {@code UserErased} (read models then delete what they hold about
 * the user), and marks the erasure complete. Every step is idempotent, so running it twice is harmless.</li>
 * </ol>
 */
@Component
public class UserErasure implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(UserErasure.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final UserActivity userActivity;
    private final UserKeys keys;
    private final UserContacts contacts;
    private final DownloadsErasure downloads;
    private final FavoritesErasure favorites;
    private final NotificationsErasure notifications;
    private final CommandSender commands;
    private final ExecutorService completions = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "picflow-erasure");
        thread.setDaemon(true);
        return thread;
    });

    UserErasure(JdbcClient jdbc, TransactionTemplate transaction, UserActivity userActivity, UserKeys keys, UserContacts contacts,
            DownloadsErasure downloads, FavoritesErasure favorites, NotificationsErasure notifications, CommandSender commands) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.userActivity = userActivity;
        this.keys = keys;
        this.contacts = contacts;
        this.downloads = downloads;
        this.favorites = favorites;
        this.notifications = notifications;
        this.commands = commands;
    }

    /**
     * Records the erasure and deletes the key and contact details, then completes the rest in the background.
     * Returns false if the user was erased already.
     */
    public boolean begin(String userId, String correlationId) {
        Boolean begun = transaction.execute(status -> {
            userActivity.lockForErasure(userId);
            int recorded = jdbc.sql("INSERT INTO erased_user (user_id, correlation_id) VALUES (:user, :correlation) "
                            + "ON CONFLICT (user_id) DO NOTHING")
                    .param("user", userId).param("correlation", correlationId).update();
            if (recorded == 0) {
                return false;
            }
            keys.erase(userId);
            contacts.erase(userId);
            notifications.forget(userId);
            return true;
        });
        if (Boolean.TRUE.equals(begun)) {
            completions.execute(() -> completeQuietly(userId));
        }
        return Boolean.TRUE.equals(begun);
    }

    /**
     * Erasures begun before {@code olderThanSeconds} and not complete: a node died before completing them, or a step
     * failed. Least recently tried first, so that one that keeps failing does not hold up the others.
     */
    List<String> unfinished(long olderThanSeconds) {
        return jdbc.sql("UPDATE erased_user SET attempted_at = now() WHERE user_id IN (SELECT user_id FROM erased_user "
                        + "WHERE completed_at IS NULL AND erased_at < now() - make_interval(secs => :seconds) "
                        + "ORDER BY attempted_at NULLS FIRST, erased_at LIMIT 100) RETURNING user_id")
                .param("seconds", olderThanSeconds).query(String.class).list();
    }

    /** Does everything that follows the key's deletion; idempotent. */
    public void complete(String userId) {
        String correlationId = jdbc.sql("SELECT correlation_id FROM erased_user WHERE user_id = :user").param("user", userId)
                .query(String.class).optional()
                .orElseThrow(() -> new IllegalStateException("No erasure of " + userId + " was begun"));
        downloads.forget(userId, correlationId);
        favorites.forget(userId, correlationId);
        commands.sendForErasure(new User.EraseUser(UserIds.user(userId), userId), userId, correlationId);
        jdbc.sql("UPDATE erased_user SET completed_at = now() WHERE user_id = :user AND completed_at IS NULL")
                .param("user", userId).update();
        log.info("Erasure of a user completed (correlation {})", correlationId);
    }

    /** {@link #complete}, logging a failure rather than throwing it: one erasure that fails must not hold up the others. */
    void completeQuietly(String userId) {
        try {
            complete(userId);
        } catch (RuntimeException e) {
            log.warn("An erasure could not be completed now; the user-erasure task will take it up again", e);
        }
    }

    @Override
    public void destroy() {
        completions.shutdownNow();
    }
}
