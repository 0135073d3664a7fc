package io.picflow.bench;

import static io.picflow.bench.BenchSupport.abbreviate;
import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The PostgreSQL ceiling the service sits on: single-row autocommit INSERTs from N connections for S seconds,
 * on the service's own database while it runs, into a scratch table that is dropped afterwards. No
 * single-request design on this database commits faster. Measured with the {@link WorkMeter} like any phase,
 * so that its commits and flushes per insert check the method (about 1 commit and 1 xid per insert).
 */
final class InsertCeiling {

    /** The outcome; {@code work} is null without a meter. */
    record Result(int connections, long inserts, long errors, double wallSeconds, String settings, String firstError,
            WorkMeter.Work work) {

        double insertsPerSecond() {
            return wallSeconds > 0 ? inserts / wallSeconds : 0;
        }
    }

    private InsertCeiling() {
    }

    /**
     * The ceiling ({@code --pg-threads} connections for {@code --pg-seconds}) and, as a check of the method, one
     * connection for 2 s: with nobody to share a flush with, each insert should cost one commit, one xid and one
     * WAL flush. Nulls without a database.
     */
    static Result[] measureBoth(WorkMeter meter) throws Exception {
        if (!meter.measuresDatabase()) {
            return new Result[2];
        }
        WorkMeter.Options options = meter.options();
        Result ceiling = measure(meter, format("INSERT ceiling, %d connections", options.pgThreads()), options.pgThreads(),
                options.pgSeconds());
        Result single = measure(meter, "INSERT, 1 connection (method check)", 1, 2);
        return new Result[] {ceiling, single};
    }

    /** Measures {@code threads} connections for {@code seconds}; the phase is named {@code name}. */
    static Result measure(WorkMeter meter, String name, int threads, int seconds) throws Exception {
        WorkMeter.Options options = meter.options();
        progress("%s: single-row autocommit INSERTs, %d connection(s), %d s", name, threads, seconds);
        try (Connection admin = DriverManager.getConnection(options.jdbcUrl(), options.jdbcProperties());
                Statement ddl = admin.createStatement()) {
            admin.setAutoCommit(true);
            ddl.execute("SET lock_timeout = '10s'");
            String settings = settings(ddl);
            ddl.execute("DROP TABLE IF EXISTS bench_insert");
            ddl.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text)");
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < threads; i++) {
                    Connection connection = DriverManager.getConnection(options.jdbcUrl(), options.jdbcProperties());
                    connection.setAutoCommit(true);
                    connections.add(connection);
                }
                WorkMeter.Phase phase = meter.begin(name);
                Result result = measureInserts(connections, seconds, settings);
                // A backend reports its last counts to the statistics collector when it exits: close before the end.
                closeAll(connections);
                WorkMeter.Work work = phase.end("insert", result.inserts(), result.wallSeconds());
                progress("%s: %.0f inserts/s", name, result.insertsPerSecond());
                return new Result(result.connections(), result.inserts(), result.errors(), result.wallSeconds(),
                        settings, result.firstError(), work);
            } finally {
                closeAll(connections);
                try {
                    ddl.execute("DROP TABLE IF EXISTS bench_insert");
                } catch (SQLException e) {
                    progress("could not drop bench_insert: %s", e);
                }
            }
        }
    }

    private static void closeAll(List<Connection> connections) {
        for (Connection connection : connections) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing a scratch connection: nothing to do
            }
        }
    }

    /** The durability settings the ceiling was measured under, as the server reports them. */
    private static String settings(Statement statement) throws SQLException {
        List<String> values = new ArrayList<>();
        for (String name : List.of("fsync", "synchronous_commit", "full_page_writes")) {
            try (var rows = statement.executeQuery("SHOW " + name)) {
                values.add(name + "=" + (rows.next() ? rows.getString(1) : "?"));
            }
        }
        return String.join(", ", values);
    }

    private static Result measureInserts(List<Connection> connections, int seconds, String settings)
            throws InterruptedException {
        int threads = connections.size();
        long[] counts = new long[threads];
        long[] errors = new long[threads];
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        long[] end = new long[1];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int index = t;
            final Connection connection = connections.get(t);
            workers[t] = new Thread(() -> {
                PreparedStatement prepared;
                try {
                    prepared = connection.prepareStatement("INSERT INTO bench_insert (payload) VALUES (?)");
                } catch (SQLException e) {
                    errors[index]++;
                    firstError.compareAndSet(null, e.toString());
                    return;
                } finally {
                    ready.countDown();
                }
                try (PreparedStatement insert = prepared) {
                    start.await();
                    long stopAt = end[0];
                    long n = 0;
                    while (System.nanoTime() - stopAt < 0 && !Thread.currentThread().isInterrupted()) {
                        insert.setString(1, "bench-" + index + "-" + n++);
                        insert.executeUpdate();
                        counts[index]++;
                    }
                } catch (SQLException e) {
                    errors[index]++;
                    firstError.compareAndSet(null, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-insert-" + t);
            workers[t].setDaemon(true);
            workers[t].start();
        }
        ready.await(30, TimeUnit.SECONDS);
        long began = System.nanoTime();
        end[0] = began + TimeUnit.SECONDS.toNanos(seconds);
        start.countDown();
        long joinBy = end[0] + TimeUnit.SECONDS.toNanos(70); // past the 60 s socket timeout
        if (BenchSupport.joinOrInterrupt(workers, joinBy)) {
            firstError.compareAndSet(null, "insert thread still blocked after the time limit");
        }
        double wallSeconds = (System.nanoTime() - began) / 1e9;
        long total = Arrays.stream(counts).sum();
        long totalErrors = Arrays.stream(errors).sum();
        return new Result(threads, total, totalErrors, wallSeconds, settings, firstError.get(), null);
    }

    /** The ceiling's line for a report. */
    static void print(PrintStream out, Result inserts) {
        if (inserts == null) {
            out.println("PostgreSQL single-row autocommit INSERT ceiling: not measured (no --jdbc-url)");
            return;
        }
        out.println(format("PostgreSQL single-row autocommit INSERT ceiling at %d connections: %.0f inserts/s"
                        + " (%d inserts in %.2f s, %d errors; %s)",
                inserts.connections(), inserts.insertsPerSecond(), inserts.inserts(), inserts.wallSeconds(),
                inserts.errors(), inserts.settings()));
        if (inserts.firstError() != null) {
            out.println("- insert ceiling, first error: " + abbreviate(inserts.firstError()));
        }
    }
}
