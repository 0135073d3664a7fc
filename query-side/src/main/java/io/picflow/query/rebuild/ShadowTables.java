package io.picflow.query.rebuild;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A read model's PostgreSQL tables, rebuilt as shadow tables: copies of their structure (columns,
 * constraints, indexes, under the same names) in a schema of their own, {@code rebuild_<group>}. The
 * rebuild's transactions put that schema first on their search path, so the projection's unchanged SQL
 * writes the shadow tables, while queries go on reading the tables in service. The swap moves the old
 * tables out to {@code retired_<group>} and the shadow tables in, in one transaction: readers wait for
 * it for an instant and then see the new tables, complete.
 */
final class ShadowTables implements RebuildTarget {

    private static final Pattern SAFE_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final String liveSchema;
    private final String shadowSchema;
    private final String retiredSchema;
    private final List<String> tables;

    ShadowTables(JdbcTemplate jdbc, TransactionTemplate transactions, String liveSchema, String group, List<String> tables) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.liveSchema = safe(liveSchema);
        this.shadowSchema = safe("rebuild_" + group.replace('-', '_'));
        this.retiredSchema = safe("retired_" + group.replace('-', '_'));
        this.tables = tables.stream().map(ShadowTables::safe).toList();
    }

    /** The names end up in DDL; they come from our own code, but a mistake must not become an injection. */
    private static String safe(String name) {
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a plain SQL name: " + name);
        }
        return name;
    }

    String shadowSchema() {
        return shadowSchema;
    }

    @Override
    public void prepare() {
        // The definitions are read with the usual search path, so that names of tables in service print unqualified
        // and resolve to the shadow tables below.
        List<String> constraints = new ArrayList<>();
        List<String> indexes = new ArrayList<>();
        for (String table : tables) {
            String qualified = liveSchema + "." + table;
            jdbc.query("SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass "
                            + "AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype = 'f', conname",
                    row -> {
                        constraints.add("ALTER TABLE " + shadowSchema + "." + table + " ADD CONSTRAINT " + row.getString(1) + " "
                                + row.getString(2));
                    }, qualified);
            jdbc.query("SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = ?::regclass "
                            + "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    row -> {
                        indexes.add(onShadow(row.getString(1), table));
                    }, qualified);
        }
        transactions.executeWithoutResult(status -> {
            jdbc.execute("DROP SCHEMA IF EXISTS " + shadowSchema + " CASCADE");
            jdbc.execute("CREATE SCHEMA " + shadowSchema);
            jdbc.execute("SET LOCAL search_path TO " + shadowSchema + ", " + liveSchema);
            for (String table : tables) {
                jdbc.execute("CREATE TABLE " + shadowSchema + "." + table + " (LIKE " + liveSchema + "." + table
                        + " INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE)");
            }
            constraints.forEach(jdbc::execute);
            indexes.forEach(jdbc::execute);
        });
    }

    /** {@code CREATE INDEX name ON public.t USING ...} becomes the same index on the shadow table. */
    private String onShadow(String indexDefinition, String table) {
        Matcher on = Pattern.compile(" ON (ONLY )?(" + liveSchema + "\\.)?" + table + " USING ").matcher(indexDefinition);
        if (!on.find()) {
            throw new IllegalStateException("Unexpected index definition: " + indexDefinition);
        }
        return indexDefinition.substring(0, on.start()) + " ON " + shadowSchema + "." + table + " USING "
                + indexDefinition.substring(on.end());
    }

    /**
     * The rebuild's transactions: the shadow schema is their whole search path, for that transaction only. A
     * table missing from it is an error, never a silent write to the table in service; Axon's own tables
     * (the rebuild's tokens) are named with their schema ({@link #qualified}).
     */
    TransactionManager transactions(TransactionManager delegate) {
        return new TransactionManager() {
            @Override
            public Transaction startTransaction() {
                Transaction transaction = delegate.startTransaction();
                try {
                    jdbc.execute("SET LOCAL search_path TO " + shadowSchema);
                } catch (RuntimeException e) {
                    transaction.rollback();
                    throw e;
                }
                return transaction;
            }
        };
    }

    /** {@code table} of the live schema, named so that the rebuild's search path does not matter. */
    String qualified(String table) {
        return liveSchema + "." + safe(table);
    }

    @Override
    public void swapIn() {
        // A long reader of a live table must not make every later query queue behind the swap's lock.
        jdbc.execute("SET LOCAL lock_timeout = '5s'");
        jdbc.execute("DROP SCHEMA IF EXISTS " + retiredSchema + " CASCADE");
        jdbc.execute("CREATE SCHEMA " + retiredSchema);
        for (String table : tables) {
            jdbc.execute("ALTER TABLE " + liveSchema + "." + table + " SET SCHEMA " + retiredSchema);
        }
        for (String table : tables) {
            jdbc.execute("ALTER TABLE " + shadowSchema + "." + table + " SET SCHEMA " + liveSchema);
        }
    }

    @Override
    public void dropOld() {
        jdbc.execute("DROP SCHEMA IF EXISTS " + retiredSchema + " CASCADE");
        jdbc.execute("DROP SCHEMA IF EXISTS " + shadowSchema + " CASCADE");
    }

    @Override
    public void discard() {
        jdbc.execute("DROP SCHEMA IF EXISTS " + shadowSchema + " CASCADE");
    }
}
