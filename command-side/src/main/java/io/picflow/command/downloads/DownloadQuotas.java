package io.picflow.command.downloads;

import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.platform.web.ProblemException;
import java.time.Clock;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Per-user limits on {@code POST /api/downloads}: unfinished downloads at once (counted in the
 * {@code active_download} table, kept in the same transaction as the events by
 * {@link ActiveDownloadsTable}), and requests per minute ({@link RequestWindows}, also in PostgreSQL). Both are
 * counted in the database, so they hold whatever command node each request reaches.
 */
@Component
class DownloadQuotas {

    private static final Duration ACTIVE_RETRY_AFTER = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final int maxActive;
    private final int maxPerMinute;
    private final RequestWindows recentRequests;
    private final TransactionTemplate transaction;

    DownloadQuotas(JdbcClient jdbc, Clock clock, DownloadsProperties properties, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.maxActive = properties.maxActivePerUser();
        this.maxPerMinute = properties.maxRequestsPerMinute();
        this.recentRequests = new RequestWindows(jdbc, maxPerMinute, clock);
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * Throws 429 (with Retry-After) when {@code userId} may not request another download now. Joins the caller's
     * transaction (the request's own, so that a request refused later takes its count back), or runs in one.
     */
    void requireRoomFor(String userId) {
        transaction.executeWithoutResult(status -> check(userId));
    }

    RequestWindows requestWindows() {
        return recentRequests;
    }

    private void check(String userId) {
        recentRequests.tryAcquire(userId).ifPresent(wait -> {
            throw ProblemException.tooManyRequests("At most " + maxPerMinute + " download requests per minute", wait);
        });
        // Counted up to the limit only: a user far over it costs no more than one at it.
        long active = jdbc.sql("SELECT count(*) FROM (SELECT 1 FROM active_download WHERE user_id = :user LIMIT :max) AS counted")
                .param("user", userId).param("max", maxActive).query(Long.class).single();
        if (active >= maxActive) {
            throw ProblemException.tooManyRequests("At most " + maxActive + " unfinished downloads per user; "
                    + "wait for some to finish or cancel them", ACTIVE_RETRY_AFTER);
        }
    }
}
