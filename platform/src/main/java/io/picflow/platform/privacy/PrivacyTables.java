package io.picflow.platform.privacy;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The privacy tables, named with their schema. A query-side rebuild's transactions see only their shadow schema
 * (ADR 0009), and its projections still read keys and erased users: an unqualified name would not be found there.
 */
final class PrivacyTables {

    private PrivacyTables() {
    }

    /** {@code table} in the schema the service's tables are in (the first on the connections' search path). */
    static String qualified(JdbcClient jdbc, String table) {
        return jdbc.sql("SELECT quote_ident(current_schema())").query(String.class).single() + "." + table;
    }
}
