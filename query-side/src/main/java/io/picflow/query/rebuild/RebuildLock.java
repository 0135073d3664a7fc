package io.picflow.query.rebuild;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.zip.CRC32;
import javax.sql.DataSource;

/**
 * One rebuild of a read model at a time across every query node: a PostgreSQL session-level advisory lock
 * per read model, held on a connection of its own for as long as the rebuild runs. Two rebuilds of one read
 * model would share its shadow schema and drop each other's work; a node that dies releases its lock with
 * its connection.
 */
final class RebuildLock implements AutoCloseable {

    /** The first half of the lock's key: this application's rebuild locks ("PFRB"). */
    private static final int KEY_SPACE = 0x50465242;

    private final Connection connection;
    private final int key;

    private RebuildLock(Connection connection, int key) {
        this.connection = connection;
        this.key = key;
    }

    /** The lock of {@code readModel}, or empty if another rebuild (on any node) holds it. */
    static Optional<RebuildLock> tryAcquire(DataSource dataSource, String readModel) throws SQLException {
        CRC32 crc = new CRC32();
        crc.update(readModel.getBytes(StandardCharsets.UTF_8));
        int key = (int) crc.getValue();
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(true);
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                statement.setInt(1, KEY_SPACE);
                statement.setInt(2, key);
                try (ResultSet result = statement.executeQuery()) {
                    if (result.next() && result.getBoolean(1)) {
                        return Optional.of(new RebuildLock(connection, key));
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        connection.close();
        return Optional.empty();
    }

    @Override
    public void close() {
        try (connection; PreparedStatement statement = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            statement.setInt(1, KEY_SPACE);
            statement.setInt(2, key);
            statement.execute();
        } catch (SQLException e) {
            // The connection is gone, and the lock with it.
        }
    }
}
