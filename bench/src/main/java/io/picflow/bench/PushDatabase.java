package io.picflow.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The push benchmark's own connection to the service's database: it gives users the preferences that push or text
 * FAVORITED at once and a verified phone (as a PUT of the preferences and a verified code would leave the command
 * side's tables), and reads back what the service recorded of each delivery. The events themselves are appended with
 * {@link NotificationsDatabase}.
 */
final class PushDatabase implements AutoCloseable {

    /** The defaults (PreferencesDocument.defaults: in-app for every trigger, email for two), with FAVORITED {@code %s} on. */
    private static final String PREFERENCES = """
            {"timeZone":"UTC","quietHours":null,
             "channels":{"in_app":{"enabled":true,"digest":null,"digestAt":null},
                         "email":{"enabled":true,"digest":"off","digestAt":"08:00"},
                         "sms":{"enabled":true,"digest":"off","digestAt":"08:00"},
                         "push":{"enabled":true,"digest":"off","digestAt":"08:00"}},
             "triggers":{"FAVORITED":{"in_app":true,"email":false,"sms":%s,"push":%s},
                         "MUTUAL_FAVORITE":{"in_app":true,"email":true,"sms":false,"push":false},
                         "IMAGE_FAVORITED":{"in_app":true,"email":false,"sms":false,"push":false},
                         "DOWNLOAD_COMPLETED":{"in_app":true,"email":false,"sms":false,"push":false},
                         "DOWNLOAD_FAILED":{"in_app":true,"email":true,"sms":false,"push":false}}}""";

    /**
     * One delivery of a channel as recorded: its notification (the delivery id up to its first ':'), status, reason,
     * attempts, the provider's id, and {@code sent_at} in epoch milliseconds (NaN unless sent).
     */
    record Delivery(String deliveryId, String notificationId, String status, String reason, int attempts, String providerId,
            double sentMillis) {
    }

    private final Connection connection;

    private PushDatabase(Connection connection) {
        this.connection = connection;
    }

    static PushDatabase open(WorkMeter.Options options) throws SQLException {
        Connection connection = DriverManager.getConnection(options.jdbcUrl(), options.jdbcProperties());
        connection.setAutoCommit(false);
        return new PushDatabase(connection);
    }

    /** FAVORITED pushed at once (no email: these users have no verified address for it anyway). */
    void enablePush(Collection<String> userIds) throws SQLException {
        preferences(userIds, String.format(PREFERENCES, "false", "true"));
    }

    /** FAVORITED texted at once to {@code phones} (by user), each verified. */
    void enableSms(Map<String, String> phones) throws SQLException {
        try (PreparedStatement contact = connection.prepareStatement("INSERT INTO user_contact (user_id, phone, phone_verified,"
                + " updated_at) VALUES (?, ?, true, now()) ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone,"
                + " phone_verified = true, updated_at = excluded.updated_at")) {
            for (Map.Entry<String, String> phone : phones.entrySet()) {
                contact.setString(1, phone.getKey());
                contact.setString(2, phone.getValue());
                contact.addBatch();
            }
            contact.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
        preferences(phones.keySet(), String.format(PREFERENCES, "true", "false"));
    }

    private void preferences(Collection<String> userIds, String document) throws SQLException {
        try (PreparedStatement preference = connection.prepareStatement("INSERT INTO notification_preference (user_id,"
                + " document, updated_at) VALUES (?, ?, now()) ON CONFLICT (user_id) DO UPDATE SET"
                + " document = excluded.document, updated_at = excluded.updated_at")) {
            for (String user : userIds) {
                preference.setString(1, user);
                preference.setString(2, document);
                preference.addBatch();
            }
            preference.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
    }

    /**
     * The deliveries of {@code channel} for these notifications, however many each has (push: one per device). Push's
     * deliveries are looked for under the provider's name too ({@code fcm}, {@code apns}), in case the channel is named so.
     */
    List<Delivery> deliveries(String channel, Collection<String> notificationIds) throws SQLException {
        String[] channels = "push".equals(channel) ? new String[] {"push", "fcm", "apns"} : new String[] {channel};
        List<Delivery> deliveries = new ArrayList<>(notificationIds.size());
        Array array = connection.createArrayOf("varchar", notificationIds.toArray(String[]::new));
        Array channelArray = connection.createArrayOf("varchar", channels);
        try (PreparedStatement query = connection.prepareStatement("SELECT delivery_id, split_part(delivery_id, ':', 1), status,"
                + " reason, attempts, provider_id, EXTRACT(EPOCH FROM sent_at) * 1000 FROM outbound_delivery"
                + " WHERE channel = ANY (?) AND split_part(delivery_id, ':', 1) = ANY (?)")) {
            query.setArray(1, channelArray);
            query.setArray(2, array);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    double sent = rows.getDouble(7);
                    deliveries.add(new Delivery(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getInt(5), rows.getString(6), rows.wasNull() ? Double.NaN : sent));
                }
            }
            connection.commit(); // end the read-only transaction: no snapshot held between polls
        } finally {
            array.free();
            channelArray.free();
        }
        return deliveries;
    }

    /**
     * Polls {@link #deliveries} until at least {@code sent} are SENT, nothing is PENDING, or {@code timeoutSeconds}
     * pass: the provider counts a call before the service records it.
     */
    List<Delivery> awaitSent(String channel, Collection<String> notificationIds, int sent, int timeoutSeconds)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            List<Delivery> deliveries = deliveries(channel, notificationIds);
            long done = deliveries.stream().filter(delivery -> "SENT".equals(delivery.status())).count();
            if (done >= sent || System.nanoTime() - deadline > 0) {
                return deliveries;
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    /** How many of {@code deliveries} have each status (and reason, if any), e.g. {@code HELD/PROVIDER_UNAVAILABLE=12}. */
    static Map<String, Integer> statuses(List<Delivery> deliveries) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Delivery delivery : deliveries) {
            String key = delivery.status() + (delivery.reason() == null ? "" : "/" + delivery.reason());
            counts.merge(key, 1, Integer::sum);
        }
        return counts;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing the benchmark's connection: nothing to do
        }
    }
}
