package io.picflow.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The notifications benchmark's own connection to the service's database: it gives users a verified email and
 * preferences that send FAVORITED email at once, appends {@code UserFavorited} events behind Axon's back (as another
 * process's append would be: the row as Axon's JDBC engine writes it, then a NOTIFY so that the processors look at
 * once; see query-side StoredEventRevisionsTest), and reads back what the service recorded of each email.
 */
final class NotificationsDatabase implements AutoCloseable {

    static final String PAYLOAD_TYPE = "io.picflow.events.favorites.UserFavorited";
    /** The LISTEN/NOTIFY channel the service's event processors wake up on (WakeUpChannels.EVENTS). */
    static final String EVENTS_CHANNEL = "picflow_events";

    /**
     * Axon's own format for {@code time_stamp} (DateTimeUtils.formatInstant): UTC, always three fraction digits, "Z",
     * e.g. 2026-12-06T02:41:13.914Z. The event browser's index (picflow_event_time, eventstore V2) is declared
     * IMMUTABLE on the promise that every row has exactly this format.
     */
    private static final DateTimeFormatter AXON_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * Preferences (NotificationPreferences, as the service's Jackson reads it): the defaults, with FAVORITED email on.
     * Email is immediate: digest "off", no quiet hours, every channel enabled.
     */
    static final String PREFERENCES = """
            {"timeZone":"UTC","quietHours":null,
             "channels":{"in_app":{"enabled":true,"digest":null,"digestAt":null},
                         "email":{"enabled":true,"digest":"off","digestAt":"08:00"},
                         "sms":{"enabled":true,"digest":"off","digestAt":"08:00"},
                         "push":{"enabled":true,"digest":"off","digestAt":"08:00"}},
             "triggers":{"FAVORITED":{"in_app":true,"email":true,"sms":false,"push":false},
                         "MUTUAL_FAVORITE":{"in_app":true,"email":true,"sms":false,"push":false},
                         "IMAGE_FAVORITED":{"in_app":true,"email":false,"sms":false,"push":false},
                         "DOWNLOAD_COMPLETED":{"in_app":true,"email":false,"sms":false,"push":false},
                         "DOWNLOAD_FAILED":{"in_app":true,"email":true,"sms":false,"push":false}}}""";

    private static final String INSERT_EVENT = "INSERT INTO domain_event_entry (event_identifier, aggregate_identifier,"
            + " sequence_number, type, time_stamp, payload_type, payload_revision, payload, meta_data)"
            + " VALUES (?, ?, 0, 'Relationship', ?, '" + PAYLOAD_TYPE + "', '1', ?, ?)";

    /** A favorite to append: {@code actorId} favorites {@code targetId}, who is notified. */
    record Favorite(String actorId, String targetId) {
    }

    /**
     * An appended source event: its id and its time as stored (milliseconds, like Axon's). What the service derives
     * from it is computed here the way the service computes it (UserIds.notification, EmailTransport's Message-ID).
     */
    record SourceEvent(String eventId, Favorite favorite, long epochMillis) {

        /** The notification's id: "notif-" and a SHA-256 of the length-prefixed source event id and recipient. */
        String notificationId() {
            String recipient = favorite.targetId();
            return "notif-" + sha256(eventId.length() + ":" + eventId + recipient.length() + ":" + recipient);
        }

        /** The Message-ID header of its email: derived from the email delivery's id. */
        String messageId() {
            return "<" + sha256(notificationId() + ":email") + "@picflow>";
        }
    }

    /**
     * What the service recorded of one notification's email: the delivery's status (null: no delivery row) and
     * {@code sent_at - created_at} in milliseconds (NaN unless sent).
     */
    record Delivery(String notificationId, String status, double millis) {
    }

    private final Connection connection;

    private NotificationsDatabase(Connection connection) {
        this.connection = connection;
    }

    static NotificationsDatabase open(WorkMeter.Options options) throws SQLException {
        Connection connection = DriverManager.getConnection(options.jdbcUrl(), options.jdbcProperties());
        connection.setAutoCommit(false);
        return new NotificationsDatabase(connection);
    }

    /**
     * In one transaction: each user gets a verified email ({@code <user>@bench.invalid}) and {@link #PREFERENCES}, as
     * verifying the address and a PUT of the preferences would leave them in the command side's tables.
     */
    void enableImmediateEmail(Collection<String> userIds) throws SQLException {
        try (PreparedStatement contact = connection.prepareStatement("INSERT INTO user_contact (user_id, email, email_verified,"
                + " updated_at) VALUES (?, ?, true, now()) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email,"
                + " email_verified = true, updated_at = excluded.updated_at");
                PreparedStatement preference = connection.prepareStatement("INSERT INTO notification_preference (user_id,"
                        + " document, updated_at) VALUES (?, ?, now()) ON CONFLICT (user_id) DO UPDATE SET"
                        + " document = excluded.document, updated_at = excluded.updated_at")) {
            for (String user : userIds) {
                contact.setString(1, user);
                contact.setString(2, user + "@bench.invalid");
                contact.addBatch();
                preference.setString(1, user);
                preference.setString(2, PREFERENCES);
                preference.addBatch();
            }
            contact.executeBatch();
            preference.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
    }

    /** Appended events, and {@link System#nanoTime()} when their commit returned. */
    record Appended(List<SourceEvent> events, long committedNanos) {
    }

    /** Appends every favorite in one transaction, with the NOTIFY; each event is stamped as it is added. */
    Appended appendTogether(List<Favorite> favorites) throws SQLException {
        List<SourceEvent> events = new ArrayList<>(favorites.size());
        try (PreparedStatement insert = connection.prepareStatement(INSERT_EVENT)) {
            for (Favorite favorite : favorites) {
                events.add(bind(insert, favorite));
                insert.addBatch();
            }
            insert.executeBatch();
            notifyAndCommit();
            return new Appended(events, System.nanoTime());
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
    }

    /** Appends one favorite in a transaction of its own, with the NOTIFY. */
    SourceEvent appendOne(Favorite favorite) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT_EVENT)) {
            SourceEvent event = bind(insert, favorite);
            insert.executeUpdate();
            notifyAndCommit();
            return event;
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
    }

    /**
     * One row as Axon's JDBC engine writes it: a fresh aggregate per event at sequence 0 (no sequence can collide
     * with another append), the JSON payload and metadata as UTF-8 bytes, the time in Axon's format.
     */
    private static SourceEvent bind(PreparedStatement insert, Favorite favorite) throws SQLException {
        String eventId = UUID.randomUUID().toString();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS); // what the column keeps
        insert.setString(1, eventId);
        insert.setString(2, "bench-pair-" + UUID.randomUUID());
        insert.setString(3, AXON_TIME.format(at));
        insert.setBytes(4, ("{\"actorId\":\"" + favorite.actorId() + "\",\"targetId\":\"" + favorite.targetId()
                + "\",\"source\":\"bench\"}").getBytes(StandardCharsets.UTF_8));
        insert.setBytes(5, ("{\"correlationId\":\"" + UUID.randomUUID() + "\",\"causationId\":\"" + UUID.randomUUID()
                + "\",\"userId\":\"" + favorite.actorId() + "\"}").getBytes(StandardCharsets.UTF_8));
        return new SourceEvent(eventId, favorite, at.toEpochMilli());
    }

    /** The NOTIFY is delivered at the commit, as the service's own appends do it. */
    private void notifyAndCommit() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_notify('" + EVENTS_CHANNEL + "', '')");
        }
        connection.commit();
    }

    /**
     * The email of each event's notification, as recorded (a notification without a delivery row has status null).
     * Waits, up to {@code timeoutSeconds}, until every one is SENT: the sink counts a message before the service
     * records it as sent.
     */
    List<Delivery> awaitDeliveries(Collection<SourceEvent> events, int timeoutSeconds) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            List<Delivery> deliveries = deliveries(events);
            long sent = deliveries.stream().filter(delivery -> "SENT".equals(delivery.status())).count();
            if (sent == events.size() || System.nanoTime() - deadline > 0) {
                return deliveries;
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    /** One row per notification the service recorded for these events (notification_recipient), with its email. */
    private List<Delivery> deliveries(Collection<SourceEvent> events) throws SQLException {
        String[] ids = events.stream().map(SourceEvent::notificationId).toArray(String[]::new);
        List<Delivery> deliveries = new ArrayList<>(ids.length);
        Array array = connection.createArrayOf("varchar", ids);
        try (PreparedStatement query = connection.prepareStatement("SELECT n.notification_id, d.status,"
                + " EXTRACT(EPOCH FROM d.sent_at - n.created_at) * 1000 FROM notification_recipient n"
                + " LEFT JOIN outbound_delivery d ON d.delivery_id = n.notification_id || ':email'"
                + " WHERE n.notification_id = ANY (?)")) {
            query.setArray(1, array);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    double millis = rows.getDouble(3);
                    deliveries.add(new Delivery(rows.getString(1), rows.getString(2), rows.wasNull() ? Double.NaN : millis));
                }
            }
            connection.commit(); // end the read-only transaction: no snapshot held between polls
        } finally {
            array.free();
        }
        return deliveries;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing the benchmark's connection: nothing to do
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
