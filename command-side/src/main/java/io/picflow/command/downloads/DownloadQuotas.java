package io.picflow.command.downloads;

import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.platform.web.ProblemException;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-user limits on {@code POST /api/downloads}: unfinished downloads at once (counted in the
 * {@code active_download} table, kept in the same transaction as the events by
 * {@link ActiveDownloadsTable}), and requests per minute (a sliding window in this process, bounded by
 * {@link RequestWindows}: with several command nodes, each enforces the rate on its own).
 */
@Component
class DownloadQuotas {

    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final Duration ACTIVE_RETRY_AFTER = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final int maxActive;
    private final int maxPerMinute;
    private final RequestWindows recentRequests;

    DownloadQuotas(JdbcClient jdbc, Clock clock, DownloadsProperties properties,
            @Value("${picflow.downloads.rate-limit-max-users:10000}") long rateLimitMaxUsers) {
        this.jdbc = jdbc;
        this.maxActive = properties.maxActivePerUser();
        this.maxPerMinute = properties.maxRequestsPerMinute();
        this.recentRequests = new RequestWindows(maxPerMinute, WINDOW, rateLimitMaxUsers, clock);
    }

    /** Throws 429 (with Retry-After) when {@code userId} may not request another download now. */
    void requireRoomFor(String userId) {
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
