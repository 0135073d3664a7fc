package io.picflow.command.devices;

import io.picflow.command.CommandSender;
import io.picflow.events.devices.DeviceDeactivated;
import io.picflow.events.devices.DeviceRegistered;
import io.picflow.events.devices.DeviceRemoved;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.axonframework.eventhandling.EventBus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The devices users receive push notifications on ({@code device}), with their tokens: registration, a token moving to
 * the user who registered it last, removal, and what the push providers' verdicts do to a device.
 *
 * <p>No aggregate: each decision is about rows PostgreSQL can lock, and is made in one transaction with the events it
 * publishes ({@link DeviceEvents}). A user's registrations take that user's advisory lock (the per-user limit), and
 * each token's registration the token's (two users registering one token at once, or one twice: one after the other,
 * never a second row). An aggregate per device would add a stream load per push for nothing the rows cannot say, and
 * the token could not be in it anyway: it is a credential, kept out of the event store.
 */
@Component
public class Devices {

    /** What a push is sent with: never shown, never logged, never in an event or a delivery's payload. */
    public record Sendable(String deviceId, String userId, String platform, String token) {

        @Override
        public String toString() {
            return "Sendable[" + deviceId + ", " + platform + "]"; // not the token
        }
    }

    /** {@code created}: registered or activated by this call (false: it was registered and active already). */
    public record Registration(Device device, boolean created) {
    }

    /** One device's own failures in a row (APNs 429 for its token) that deactivate it. */
    public static final int FAILURES_TO_DEACTIVATE = 5;
    static final String REMOVED = "REMOVED";
    static final String MOVED = "MOVED";
    static final String LIMIT = "LIMIT";
    static final String INACTIVE = "INACTIVE";
    static final String TOO_MANY_FAILURES = "TOO_MANY_FAILURES";

    private final JdbcClient jdbc;
    private final DeviceEvents events;
    private final TransactionTemplate transaction;
    private final int maxPerUser;

    Devices(JdbcClient jdbc, EventBus events, PlatformTransactionManager transactions,
            @Value("${picflow.notifications.devices.max-per-user:20}") int maxPerUser) {
        this.jdbc = jdbc;
        this.events = new DeviceEvents(events);
        this.transaction = new TransactionTemplate(transactions);
        this.maxPerUser = maxPerUser;
    }

    int maxPerUser() {
        return maxPerUser;
    }

    /**
     * Registers {@code token} for {@code userId}, in the caller's transaction (which holds the user's activity lock). The
     * same token again is the same device (activated again if it was deactivated). A token another user registered
     * moves: their device is removed, and the caller gets a new one. Past the limit, the caller's least recently active
     * device is removed (a user who reinstalls an app gets a new token, and the old one is rarely unregistered).
     */
    Registration register(String userId, String platform, String token, String correlationId) {
        String hash = tokenHash(platform, token);
        lock("devices:user:" + userId);
        lock("devices:token:" + hash);
        Optional<Owner> existing = jdbc.sql("SELECT device_id, user_id, active FROM device WHERE token_hash = :hash FOR UPDATE")
                .param("hash", hash).query((row, i) -> new Owner(row.getString(1), row.getString(2), row.getBoolean(3))).optional();
        if (existing.isPresent() && existing.get().userId().equals(userId)) {
            String deviceId = existing.get().deviceId();
            if (existing.get().active()) {
                jdbc.sql("UPDATE device SET last_active_at = now() WHERE device_id = :id").param("id", deviceId).update();
                return new Registration(find(deviceId), false);
            }
            makeRoom(userId, correlationId);
            jdbc.sql("UPDATE device SET active = true, consecutive_failures = 0, deactivated_at = NULL, deactivated_reason = NULL, "
                    + "last_active_at = now() WHERE device_id = :id").param("id", deviceId).update();
            events.publish(new DeviceRegistered(deviceId, userId, platform), correlationId, userId);
            return new Registration(find(deviceId), true);
        }
        if (existing.isPresent()) {
            jdbc.sql("DELETE FROM device WHERE device_id = :id").param("id", existing.get().deviceId()).update();
            events.publish(new DeviceRemoved(existing.get().deviceId(), existing.get().userId(), MOVED), correlationId, userId);
        }
        makeRoom(userId, correlationId);
        String deviceId = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO device (device_id, user_id, platform, token, token_hash, registered_at, last_active_at) "
                        + "VALUES (:id, :user, :platform, :token, :hash, now(), now())")
                .param("id", deviceId).param("user", userId).param("platform", platform).param("token", token).param("hash", hash)
                .update();
        events.publish(new DeviceRegistered(deviceId, userId, platform), correlationId, userId);
        return new Registration(find(deviceId), true);
    }

    /** Removes the user's active devices beyond {@code maxPerUser - 1}, least recently active first: room for one more. */
    private void makeRoom(String userId, String correlationId) {
        List<String> evicted = jdbc.sql("DELETE FROM device WHERE device_id IN (SELECT device_id FROM device WHERE user_id = :user "
                        + "AND active ORDER BY last_active_at DESC, registered_at DESC OFFSET :keep) RETURNING device_id")
                .param("user", userId).param("keep", Math.max(0, maxPerUser - 1)).query(String.class).list();
        evicted.forEach(deviceId -> events.publish(new DeviceRemoved(deviceId, userId, LIMIT), correlationId, userId));
    }

    /** In the caller's transaction: false if the user has no such device. */
    boolean remove(String userId, String deviceId, String correlationId) {
        boolean removed = !jdbc.sql("DELETE FROM device WHERE device_id = :id AND user_id = :user RETURNING device_id")
                .param("id", deviceId).param("user", userId).query(String.class).list().isEmpty();
        if (removed) {
            events.publish(new DeviceRemoved(deviceId, userId, REMOVED), correlationId, userId);
        }
        return removed;
    }

    /** The user's devices, active or not, oldest first. */
    public List<Device> of(String userId) {
        return jdbc.sql("SELECT device_id, platform, active, registered_at FROM device WHERE user_id = :user "
                        + "ORDER BY registered_at, device_id")
                .param("user", userId).query((row, i) -> device(row)).list();
    }

    /** The user's active devices: where a push notification goes. */
    public List<Device> active(String userId) {
        return of(userId).stream().filter(Device::active).toList();
    }

    private Device find(String deviceId) {
        return jdbc.sql("SELECT device_id, platform, active, registered_at FROM device WHERE device_id = :id")
                .param("id", deviceId).query((row, i) -> device(row)).single();
    }

    /** The device with its token, if it is still there and active: looked up when a push is sent, never before. */
    public Optional<Sendable> sendable(String deviceId) {
        return jdbc.sql("SELECT device_id, user_id, platform, token FROM device WHERE device_id = :id AND active")
                .param("id", deviceId)
                .query((row, i) -> new Sendable(row.getString(1), row.getString(2), row.getString(3), row.getString(4))).optional();
    }

    /** Its provider accepted a push: the count of its own failures starts again. */
    public void delivered(String deviceId) {
        jdbc.sql("UPDATE device SET consecutive_failures = 0, last_success_at = now(), last_active_at = now() "
                + "WHERE device_id = :id AND active").param("id", deviceId).update();
    }

    /**
     * One failure of this device's own (not its provider's): true if it was the {@value #FAILURES_TO_DEACTIVATE}th in a
     * row, which deactivates it.
     */
    public boolean failedOnce(String deviceId, String correlationId) {
        return Boolean.TRUE.equals(transaction.execute(status -> {
            List<Integer> failures = jdbc.sql("UPDATE device SET consecutive_failures = consecutive_failures + 1 "
                            + "WHERE device_id = :id AND active RETURNING consecutive_failures")
                    .param("id", deviceId).query(Integer.class).list();
            return !failures.isEmpty() && failures.get(0) >= FAILURES_TO_DEACTIVATE
                    && deactivate(deviceId, TOO_MANY_FAILURES, correlationId);
        }));
    }

    /**
     * Deactivates the device ({@code reason}: its provider's verdict on the token), with {@code DeviceDeactivated} in the
     * same transaction; false if it was not active (deactivated already, removed, moved).
     */
    public boolean deactivate(String deviceId, String reason, String correlationId) {
        return Boolean.TRUE.equals(transaction.execute(status -> {
            Optional<String> userId = jdbc.sql("UPDATE device SET active = false, deactivated_at = now(), deactivated_reason = :reason "
                            + "WHERE device_id = :id AND active RETURNING user_id")
                    .param("id", deviceId).param("reason", reason).query(String.class).optional();
            userId.ifPresent(user -> events.publish(new DeviceDeactivated(deviceId, user, reason), correlationId, CommandSender.SYSTEM_USER));
            return userId.isPresent();
        }));
    }

    /**
     * Deletes up to {@code batch} devices deactivated more than {@code retention} ago, with their {@code DeviceRemoved}, in
     * one transaction; how many it deleted.
     */
    int removeDeactivated(Duration retention, int batch) {
        return transaction.execute(status -> {
            List<Owner> removed = jdbc.sql("DELETE FROM device WHERE device_id IN (SELECT device_id FROM device WHERE NOT active "
                            + "AND deactivated_at < now() - make_interval(secs => :seconds) ORDER BY deactivated_at LIMIT :batch "
                            + "FOR UPDATE SKIP LOCKED) RETURNING device_id, user_id")
                    .param("seconds", retention.toSeconds()).param("batch", batch)
                    .query((row, i) -> new Owner(row.getString(1), row.getString(2), false)).list();
            removed.forEach(device -> events.publish(new DeviceRemoved(device.deviceId(), device.userId(), INACTIVE),
                    "device-retention:" + device.deviceId(), CommandSender.SYSTEM_USER));
            return removed.size();
        });
    }

    private void lock(String name) {
        jdbc.sql("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))) AS locked").param("lock", name)
                .query((row, i) -> 1).list();
    }

    private static Device device(ResultSet row) throws SQLException {
        return new Device(row.getString(1), row.getString(2), row.getBoolean(3), row.getTimestamp(4).toInstant());
    }

    /** A token's key in the table: the same token is the same device, whoever registers it. */
    static String tokenHash(String platform, String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((platform + ":" + token).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Owner(String deviceId, String userId, boolean active) {
    }
}
