package io.picflow.platform.axon;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * One Flyway per owner of tables (the event store, the command side, the query side), each with its
 * own history table, so that each migrates independently of the others, in one database.
 */
public final class SchemaHistories {

    private SchemaHistories() {
    }

    /** A Flyway for the migrations under {@code classpath:db/migration/<name>}, recorded in {@code flyway_history_<name>}. */
    public static Flyway of(DataSource dataSource, String name) {
        return Flyway.configure()
                // A session-level lock, not one held by an open transaction: CREATE INDEX CONCURRENTLY (eventstore V3)
                // waits for every open transaction, and would wait for Flyway's own lock forever.
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + name)
                .table("flyway_history_" + name)
                // The database is shared: the others' tables may be there already.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
    }
}
