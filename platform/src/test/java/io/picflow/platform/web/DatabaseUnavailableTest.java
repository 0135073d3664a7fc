package io.picflow.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseUnavailableTest {

    @Test
    void a_broken_connection_anywhere_in_the_chain_is_the_database_being_unavailable() {
        // What Axon's event store threw when PostgreSQL crashed under a command (PostgresCrashIT).
        RuntimeException axon = new RuntimeException("Failed to create a SQL statement", new SQLException("Connection is closed"));
        assertThat(DatabaseUnavailable.causes(axon)).isTrue();
        assertThat(DatabaseUnavailable.causes(new RuntimeException(new SQLException("An I/O error occurred", "08006",
                new EOFException())))).isTrue();
        assertThat(DatabaseUnavailable.causes(new SQLException("the database system is starting up", "57P03"))).isTrue();
    }

    @Test
    void a_failing_statement_is_a_defect_not_an_outage() {
        assertThat(DatabaseUnavailable.causes(new RuntimeException(new SQLException("duplicate key value", "23505")))).isFalse();
        assertThat(DatabaseUnavailable.causes(new SQLException("Connection is closed", "42000"))).isFalse();
        assertThat(DatabaseUnavailable.causes(new IllegalStateException("bug"))).isFalse();
    }
}
