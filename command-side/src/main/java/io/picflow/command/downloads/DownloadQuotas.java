package io.picflow.command.downloads;

import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.platform.web.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-user limits on {@code POST /api/downloads}: unfinished downloads at once (counted in the
 * {@code active_download} table, kept in the same transaction as the events by
 * {@link ActiveDownloadsTable}), and requests per minute (a sliding window in this process: with
 * several command nodes, each enforces the rate on its own).
 */
@Component
class DownloadQuotas {

    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final Duration ACTIVE_RETRY_AFTER = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final int maxActive;
    private final int maxPerMinute;
    private final Map<String, Deque<Long>> recentRequests = new ConcurrentHashMap<>();

    DownloadQuotas(JdbcClient jdbc, Clock clock, DownloadsProperties properties) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.maxActive = properties.maxActivePerUser();
        this.maxPerMinute = properties.maxRequestsPerMinute();
    }

    /** Throws 429 (with Retry-After) when {@code userId} may not request another download now. */
    void requireRoomFor(String userId) {
        long now = clock.millis();
        Deque<Long> window = recentRequests.computeIfAbsent(userId, user -> new ArrayDeque<>());
        synchronized (window) {
            while (!window.isEmpty() && window.peekFirst() <= now - WINDOW.toMillis()) {
                window.pollFirst();
            }
            if (window.size() >= maxPerMinute) {
                Duration wait = Duration.ofMillis(window.peekFirst() + WINDOW.toMillis() - now);
                throw ProblemException.tooManyRequests("At most " + maxPerMinute + " download requests per minute", wait);
            }
            window.addLast(now);
        }
        long active = jdbc.sql("SELECT count(*) FROM active_download WHERE user_id = :user")
                .param("user", userId).query(Long.class).single();
        if (active >= maxActive) {
            throw ProblemException.tooManyRequests("At most " + maxActive + " unfinished downloads per user; "
                    + "wait for some to finish or cancel them", ACTIVE_RETRY_AFTER);
        }
    }
}
