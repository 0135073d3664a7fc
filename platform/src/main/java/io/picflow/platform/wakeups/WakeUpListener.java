package io.picflow.platform.wakeups;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Wakes this process up when another one changed something it follows (new events, new live-feed frames), through
 * PostgreSQL's LISTEN/NOTIFY, so that followers need not poll the database every few milliseconds: an idle
 * service then costs next to nothing, and a change made elsewhere is seen within milliseconds (ADR 0014).
 *
 * <p>One dedicated connection per process, outside the pool (it is held for good and never runs a transaction),
 * opened with the pool's own URL and credentials. Waiting for notifications reads the socket only: no statement,
 * no transaction. If the connection breaks, every subscriber is woken (its own fallback poll catches up) and the
 * listener reconnects with a growing pause; followers keep their slow fallback poll for that case.
 */
public class WakeUpListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WakeUpListener.class);
    private static final Duration MAX_RECONNECT_PAUSE = Duration.ofSeconds(30);

    private final DataSource dataSource;
    /** Sent as the payload of this application's notifications, whose wake-ups it makes itself (WakeUpNotifier). */
    private final String origin = UUID.randomUUID().toString();
    private final Map<String, List<Runnable>> subscribers = new ConcurrentHashMap<>();
    private final Set<String> listening = ConcurrentHashMap.newKeySet();
    private volatile Thread thread;
    private volatile Connection connection;

    public WakeUpListener(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** What this application's notifications carry, so that it can tell them from other processes'. */
    public String origin() {
        return origin;
    }

    /**
     * Runs {@code wakeUp} (on the listener's thread: it must be quick) whenever another process notifies {@code channel}.
     * This application's own changes are not among them: whoever made one wakes its followers here directly (Axon's
     * event store on each local append, the live feed's projection after its commit), and hearing it again from
     * PostgreSQL only cost each follower another empty read.
     */
    public void subscribe(String channel, Runnable wakeUp) {
        subscribers.computeIfAbsent(channel, name -> new CopyOnWriteArrayList<>()).add(wakeUp);
    }

    private void listen() {
        long pauseMillis = 500;
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection opened = open()) {
                connection = opened;
                listening.clear();
                pauseMillis = 500;
                wakeEveryone(); // anything that happened while we were not listening
                PGConnection notifications = opened.unwrap(PGConnection.class);
                while (!Thread.currentThread().isInterrupted()) {
                    listenToNewChannels(opened);
                    PGNotification[] received = notifications.getNotifications(1000);
                    if (received != null) {
                        dispatch(received);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (thread == null) {
                    return; // stopping: the connection was closed under us
                }
                log.warn("Listening for wake-ups failed ({}); followers poll meanwhile; reconnecting in {} ms", e.toString(), pauseMillis);
                wakeEveryone();
                try {
                    TimeUnit.MILLISECONDS.sleep(pauseMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                pauseMillis = Math.min(pauseMillis * 2, MAX_RECONNECT_PAUSE.toMillis());
            } finally {
                connection = null;
            }
        }
    }

    private Connection open() throws SQLException {
        HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
        Connection opened = DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword());
        opened.setAutoCommit(true);
        return opened;
    }

    private void listenToNewChannels(Connection opened) throws SQLException {
        for (String channel : subscribers.keySet()) {
            if (listening.add(channel)) {
                try (Statement statement = opened.createStatement()) {
                    statement.execute("LISTEN " + quoted(channel));
                }
            }
        }
    }

    private void dispatch(PGNotification[] received) {
        Set<String> channels = new HashSet<>();
        for (PGNotification notification : received) {
            if (!origin.equals(notification.getParameter())) {
                channels.add(notification.getName());
            }
        }
        channels.forEach(this::wake);
    }

    private void wakeEveryone() {
        subscribers.keySet().forEach(this::wake);
    }

    private void wake(String channel) {
        for (Runnable wakeUp : subscribers.getOrDefault(channel, List.of())) {
            try {
                wakeUp.run();
            } catch (RuntimeException e) {
                log.debug("A wake-up of channel {} failed", channel, e);
            }
        }
    }

    /** Channel names are ours (WakeUpChannels), but quoted all the same. */
    private static String quoted(String channel) {
        return '"' + channel.replace("\"", "\"\"") + '"';
    }

    @Override
    public void start() {
        Thread started = new Thread(this::listen, "picflow-wake-up-listener");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    @Override
    public void stop() {
        Thread running = thread;
        thread = null;
        if (running != null) {
            running.interrupt();
            Connection open = connection;
            if (open != null) {
                try {
                    open.close();
                } catch (SQLException e) {
                    log.debug("Closing the wake-up connection failed", e);
                }
            }
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }
}
