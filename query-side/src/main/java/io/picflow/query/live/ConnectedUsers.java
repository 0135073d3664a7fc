package io.picflow.query.live;

import io.picflow.platform.privacy.ErasedUsers;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The WebSocket connections open on this node (both endpoints), by user, so that those of a user erased anywhere
 * close within seconds (4404) on every node: the node that projects {@code UserErased} closes its own at once,
 * the others find the erasure on their next look at {@code erased_user}.
 */
@Component
public class ConnectedUsers implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ConnectedUsers.class);

    private record Connection(String userId, Runnable close) {
    }

    private final Map<String, Connection> open = new ConcurrentHashMap<>();
    private final ErasedUsers erasedUsers;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "picflow-erased-connections");
        thread.setDaemon(true);
        return thread;
    });

    ConnectedUsers(ErasedUsers erasedUsers, @Value("${picflow.live.erased-check-interval:5s}") Duration interval) {
        this.erasedUsers = erasedUsers;
        checks.scheduleWithFixedDelay(this::closeErased, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A connection of {@code userId} opened; {@code close} closes it as erased. */
    public void opened(String connectionId, String userId, Runnable close) {
        open.put(connectionId, new Connection(userId, close));
    }

    public void closed(String connectionId) {
        open.remove(connectionId);
    }

    void closeErased() {
        try {
            Set<String> users = open.values().stream().map(Connection::userId).collect(Collectors.toSet());
            if (users.isEmpty()) {
                return;
            }
            Set<String> erased = erasedUsers.erasedAmong(users);
            open.forEach((id, connection) -> {
                if (erased.contains(connection.userId()) && open.remove(id) != null) {
                    connection.close().run();
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not look for erased users among the open WebSocket connections: {}", e.toString());
        }
    }

    @Override
    public void destroy() {
        checks.shutdownNow();
    }
}
