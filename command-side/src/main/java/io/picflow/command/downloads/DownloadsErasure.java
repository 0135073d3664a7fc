package io.picflow.command.downloads;

import io.picflow.command.CommandSender;
import io.picflow.command.downloads.DownloadCommands.CancelImageDownload;
import io.picflow.command.downloads.DownloadExceptions.TransitionNotAllowed;
import io.picflow.events.downloads.ImageDownloadCancelled;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The downloads context's part of an erasure: the user's downloads that are not complete are cancelled (running
 * fetches stop, partial files go; a failed download's process manager, which waits for a retry and holds the URL,
 * ends), and what this side keeps per user (idempotency keys, the quota tables) is deleted.
 * Images already stored stay in the shared library; the read models forget that this user asked for them.
 */
@Component
public class DownloadsErasure {

    private final JdbcClient jdbc;
    private final CommandSender commands;

    DownloadsErasure(JdbcClient jdbc, CommandSender commands) {
        this.jdbc = jdbc;
        this.commands = commands;
    }

    /** Idempotent: an erasure taken up again after a crash cancels nothing twice. */
    public void forget(String userId, String correlationId) {
        List<String> downloads = jdbc.sql("SELECT download_id FROM active_download WHERE user_id = :user "
                        + "UNION SELECT download_id FROM finished_download WHERE user_id = :user ORDER BY 1")
                .param("user", userId).query(String.class).list();
        for (String downloadId : downloads) {
            try {
                commands.sendForErasure(new CancelImageDownload(downloadId, userId, false, ImageDownloadCancelled.ERASURE), userId, correlationId);
            } catch (TransitionNotAllowed e) {
                // Completed: nothing to stop, and its image stays in the shared library.
            }
        }
        jdbc.sql("DELETE FROM idempotency_key WHERE user_id = :user").param("user", userId).update();
        jdbc.sql("DELETE FROM active_download WHERE user_id = :user").param("user", userId).update();
        jdbc.sql("DELETE FROM finished_download WHERE user_id = :user").param("user", userId).update();
        jdbc.sql("DELETE FROM idle_download WHERE user_id = :user").param("user", userId).update();
        jdbc.sql("DELETE FROM download_request_count WHERE user_id = :user").param("user", userId).update();
    }
}
