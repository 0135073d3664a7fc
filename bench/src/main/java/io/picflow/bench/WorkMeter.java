package io.picflow.bench;

import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Units of work: what a phase of a benchmark cost the service, read before and after it from PostgreSQL's
 * counters and from {@code /proc} (see bench/README.md, "Units of work").
 *
 * <p>A reading is one autocommit statement on the service's own database: {@code xact_commit} and
 * {@code xact_rollback} of {@code pg_stat_database}, {@code wal_records} and {@code wal_sync} (WAL flushes) of
 * {@code pg_stat_wal}, the next transaction id ({@code txid_snapshot_xmax}: ids handed out = transactions that
 * wrote) and the WAL position ({@code pg_current_wal_lsn}), then the CPU ticks of the service JVM and of
 * PostgreSQL from {@code /proc/<pid>/stat}. The reading's own transaction is a read-only commit: each phase
 * subtracts the meter's readings inside it. The xid and the LSN are exact at the instant of the reading; the
 * pg_stat counters reach the statistics collector late (PostgreSQL 14: a backend reports at most every 500 ms,
 * and a backend that goes idle within 500 ms of its last report keeps the rest until its next transaction).
 * With {@code --metrics-url}, a reading also takes the service's own count of its transactions by source
 * ({@code picflow_db_transactions_total}, exact at the instant of the reading) from its Prometheus scrape.
 *
 * <p>Each phase starts when the service is quiet ({@link #QUIET_SECONDS} quiet seconds in a row) and is read
 * twice at its end: at its last answer (the phase's window), and again once the service is quiet (the work the
 * phase left running, such as the downloads that accepted requests started, and the late statistics).
 */
final class WorkMeter implements AutoCloseable {

    static final int QUIET_SECONDS = 2;
    /** A second is quiet with at most this many transaction ids handed out (raised to 3x the idle rate once measured). */
    static final double MIN_QUIET_XIDS = 10;
    /** ... and with the service JVM below a quarter of one core. */
    static final double QUIET_JVM_CPU_SHARE = 0.25;

    private static final Duration METRICS_TIMEOUT = Duration.ofSeconds(10);
    private static final String TRANSACTIONS_METRIC = "picflow_db_transactions_total{";
    /** Sources beyond this many are summed into one row of the per-source tables. */
    private static final int TOP_SOURCES = 15;
    private static final Pattern LOCAL_JDBC = Pattern.compile("^jdbc:postgresql://127\\.0\\.0\\.1(:\\d{1,5})?/[^?]*(\\?.*)?$");
    private static final String READING = "SELECT d.xact_commit, d.xact_rollback, txid_snapshot_xmax(txid_current_snapshot()),"
            + " pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, w.wal_records, w.wal_sync"
            + " FROM pg_stat_database d CROSS JOIN pg_stat_wal w WHERE d.datname = current_database()";

    /** The command-line options every benchmark shares for the database and the service process. */
    record Options(String jdbcUrl, String pgUser, String pgPassword, Long servicePid, int idleSeconds,
            int quietTimeoutSeconds, int pgThreads, int pgSeconds, String metricsUrl) {

        static final String USAGE = """
                  --jdbc-url URL          the service's database, jdbc:postgresql://127.0.0.1:<port>/postgres
                                          (omit: no database counters, no INSERT ceiling)
                  --service-pid PID       the service JVM's pid, for its CPU time (omit: no service CPU)
                  --idle-seconds N        idle phase before the load, 0 for none (default 30)
                  --quiet-timeout S       longest wait for the service to go quiet after a phase (default 300)
                  --pg-threads N          connections for the INSERT ceiling (default 32)
                  --pg-seconds N          duration of the INSERT ceiling (default 5)
                  --pg-user NAME          database user (default postgres)
                  --pg-password TEXT      database password (default empty)
                  --metrics-url URL       the service's /actuator/prometheus, started with
                                          --picflow.diagnostics.count-transactions=true: exact transaction
                                          counts by source (omit: none)
                """;

        /** Removes its options from {@code values}. */
        static Options parse(Map<String, String> values) {
            String jdbcUrl = values.remove("jdbc-url");
            if (jdbcUrl != null && !LOCAL_JDBC.matcher(jdbcUrl).matches()) {
                throw new IllegalArgumentException("--jdbc-url must be jdbc:postgresql://127.0.0.1:<port>/<db>, got " + jdbcUrl);
            }
            String user = values.remove("pg-user");
            String password = values.remove("pg-password");
            Long pid = BenchSupport.number(values, "service-pid", Long::parseLong);
            String metricsUrl = values.remove("metrics-url");
            if (metricsUrl != null) {
                try {
                    if (!metricsUrl.startsWith("http://127.0.0.1:") || URI.create(metricsUrl).getPort() < 0) {
                        throw new IllegalArgumentException();
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--metrics-url must be http://127.0.0.1:<port>/..., got " + metricsUrl);
                }
            }
            return new Options(jdbcUrl, user == null ? "postgres" : user, password == null ? "" : password, pid,
                    atLeast(values, "idle-seconds", 30, 0), atLeast(values, "quiet-timeout", 300, 1),
                    atLeast(values, "pg-threads", 32, 1), atLeast(values, "pg-seconds", 5, 1), metricsUrl);
        }

        private static int atLeast(Map<String, String> values, String name, int fallback, int min) {
            Integer parsed = BenchSupport.number(values, name, Integer::parseInt);
            if (parsed != null && parsed < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + parsed);
            }
            return parsed == null ? fallback : parsed;
        }

        Properties jdbcProperties() {
            Properties properties = new Properties();
            properties.setProperty("user", pgUser);
            properties.setProperty("password", pgPassword);
            properties.setProperty("ApplicationName", "picflow-bench");
            properties.setProperty("connectTimeout", "10");
            properties.setProperty("loginTimeout", "10");
            properties.setProperty("socketTimeout", "60");
            return properties;
        }
    }

    /**
     * Cumulative counters at one instant; -1 where not measured. {@code serviceTransactions}: the sum of
     * {@code sources}, the service's own count by source (empty when not measured).
     */
    record Counters(long commits, long rollbacks, long nextXid, long walPosition, long walRecords, long walSyncs,
            long jvmTicks, long pgTicks, long serviceTransactions, Map<String, Long> sources) {
    }

    /** A reading: its sequence number (the meter's own transactions), when, and the counters. */
    record Reading(long seq, long nanos, Counters counters) {
    }

    /**
     * What a phase cost over some seconds, totals (the meter's own transactions subtracted). NaN where not measured.
     * {@code serviceTransactions}: counted by the service itself ({@code --metrics-url}).
     */
    record Amounts(double seconds, double commits, double rollbacks, double serviceTransactions, double xids,
            double walBytes, double walRecords, double walSyncs, double jvmMs, double pgMs) {

        /** These amounts less {@code times} x {@code o} (not the seconds). */
        Amounts minus(Amounts o, double times) {
            return new Amounts(seconds, commits - times * o.commits, rollbacks - times * o.rollbacks,
                    serviceTransactions - times * o.serviceTransactions, xids - times * o.xids,
                    walBytes - times * o.walBytes, walRecords - times * o.walRecords, walSyncs - times * o.walSyncs,
                    jvmMs - times * o.jvmMs, pgMs - times * o.pgMs);
        }

        /** These amounts times {@code factor} (not the seconds). */
        Amounts times(double factor) {
            return new Amounts(seconds, commits * factor, rollbacks * factor, serviceTransactions * factor,
                    xids * factor, walBytes * factor, walRecords * factor, walSyncs * factor, jvmMs * factor,
                    pgMs * factor);
        }

        Amounts perSecond() {
            return times(1.0 / seconds);
        }
    }

    /**
     * One measured phase: {@code units} of work ({@code unit} names them) done in {@code phaseSeconds} of the
     * benchmark's own clock. {@code window}: from the start to the phase's last answer; {@code total}: until the
     * service was quiet again ({@code quiet} false: the quiet timeout passed first). {@code sources}: the service's
     * counted transactions by source over {@code total} (empty when not measured).
     */
    record Work(String name, String unit, long units, double phaseSeconds, Amounts window, Amounts total,
            Map<String, Double> sources, boolean quiet, String note) {

        double unitsPerSecond() {
            return phaseSeconds > 0 ? units / phaseSeconds : Double.NaN;
        }
    }

    private final Options options;
    private final Connection connection;
    private final Long postmasterPid;
    private final String serverVersion;
    private final long ticksPerSecond;
    /** Null without {@code --metrics-url}. */
    private final HttpClient metricsClient;
    private long seq;
    private double idleXidsPerSecond;
    /** The idle phase's rates per second, once measured: the background that runs through every phase. */
    private Amounts idleRate;

    private WorkMeter(Options options, Connection connection, Long postmasterPid, String serverVersion, long ticksPerSecond) {
        this.options = options;
        this.connection = connection;
        this.postmasterPid = postmasterPid;
        this.serverVersion = serverVersion;
        this.ticksPerSecond = ticksPerSecond;
        this.metricsClient = options.metricsUrl() == null ? null : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(METRICS_TIMEOUT).build();
    }

    static WorkMeter open(Options options) throws SQLException, IOException {
        Connection connection = null;
        Long postmaster = null;
        String version = null;
        if (options.jdbcUrl() != null) {
            connection = DriverManager.getConnection(options.jdbcUrl(), options.jdbcProperties());
            connection.setAutoCommit(true); // one transaction per reading, and no more
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT version(), current_setting('server_version_num')::int, pg_backend_pid()")) {
                rows.next();
                version = rows.getString(1);
                if (rows.getInt(2) < 140000) {
                    throw new SQLException("pg_stat_wal needs PostgreSQL 14 or later: " + version);
                }
                // This connection's backend is a child of the postmaster: PostgreSQL's processes are its tree.
                postmaster = procStat(rows.getLong(3))[1];
            }
        }
        if (options.servicePid() != null) {
            procStat(options.servicePid()); // readable now, or fail early
        }
        WorkMeter meter = new WorkMeter(options, connection, postmaster, version, clockTicks());
        Reading first = meter.read(); // fail early on a query error
        if (options.metricsUrl() != null && first.counters().sources().isEmpty()) {
            // The service has run transactions by now: no counter means the counting is off, not zero.
            meter.close();
            throw new IOException("no " + TRANSACTIONS_METRIC + "...} in " + options.metricsUrl()
                    + ": start the service with --picflow.diagnostics.count-transactions=true");
        }
        return meter;
    }

    Options options() {
        return options;
    }

    boolean measuresDatabase() {
        return connection != null;
    }

    String describe() {
        return (serverVersion == null ? "no database counters (no --jdbc-url)" : serverVersion + ", postmaster pid " + postmasterPid)
                + "; " + (options.servicePid() == null ? "no service CPU (no --service-pid)" : "service JVM pid " + options.servicePid())
                + "; " + (options.metricsUrl() == null ? "no counted service transactions (no --metrics-url)"
                        : "service transactions counted by the service, from " + options.metricsUrl())
                + format("; CPU from /proc at %d ticks/s", ticksPerSecond);
    }

    // ---------------------------------------------------------------- phases

    /** A phase in progress: started after the service was quiet. */
    final class Phase {
        private final String name;
        private final Reading begin;
        private String note;
        private Reading last;

        private Phase(String name, Reading begin, String note) {
            this.name = name;
            this.begin = begin;
            this.note = note;
        }

        /** Reads at the phase's last answer (done by {@link #end} if not called before). */
        void last() throws SQLException, IOException {
            last = read();
        }

        /** Adds a note to the phase's report. */
        void note(String text) {
            note = note == null ? text : note + "; " + text;
        }

        /** Call right after the phase's last answer: reads at once, then waits for quiet and reads again. */
        Work end(String unit, long units, double phaseSeconds) throws SQLException, IOException, InterruptedException {
            if (last == null) {
                last();
            }
            boolean quiet = awaitQuiet();
            Reading end = read();
            if (!quiet) {
                note("not quiet after " + options.quietTimeoutSeconds() + " s");
            }
            return new Work(name, unit, units, phaseSeconds, difference(begin, last), difference(begin, end),
                    sources(begin, end), quiet, note);
        }
    }

    /** Waits for the service to be quiet, then takes the phase's first reading. */
    Phase begin(String name) throws SQLException, IOException, InterruptedException {
        boolean quiet = awaitQuiet();
        return new Phase(name, read(), quiet ? null : "started before the service was quiet");
    }

    /** {@code seconds} of idle after the service went quiet: rates per second. Also sets the quiet threshold. */
    Work idle(int seconds) throws SQLException, IOException, InterruptedException {
        Phase phase = begin("idle");
        long until = phase.begin.nanos() + TimeUnit.SECONDS.toNanos(seconds);
        for (long left; (left = until - System.nanoTime()) > 0; ) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        Reading end = read(); // idle on both sides: the collector's delay is the same at each end, no need to wait
        Amounts amounts = difference(phase.begin, end);
        Work work = new Work("idle", "second", Math.round(amounts.seconds()), amounts.seconds(), amounts, amounts,
                sources(phase.begin, end), true, phase.note);
        idleRate = amounts.perSecond();
        if (!Double.isNaN(amounts.xids())) {
            idleXidsPerSecond = idleRate.xids();
        }
        return work;
    }

    /**
     * Reads once a second until {@link #QUIET_SECONDS} seconds in a row are quiet (few transaction ids handed
     * out, the service JVM nearly idle), or the quiet timeout. Without a database, only the JVM counts.
     */
    boolean awaitQuiet() throws SQLException, IOException, InterruptedException {
        if (connection == null && options.servicePid() == null) {
            TimeUnit.SECONDS.sleep(QUIET_SECONDS);
            return true;
        }
        double maxXids = Math.max(MIN_QUIET_XIDS, 3 * idleXidsPerSecond);
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(options.quietTimeoutSeconds());
        Reading previous = read(false);
        int quietSeconds = 0;
        while (quietSeconds < QUIET_SECONDS) {
            if (System.nanoTime() - deadline > 0) {
                progress("the service did not go quiet within %d s; going on", options.quietTimeoutSeconds());
                return false;
            }
            TimeUnit.SECONDS.sleep(1);
            Reading current = read(false);
            double elapsed = seconds(current.nanos() - previous.nanos());
            Counters a = previous.counters();
            Counters b = current.counters();
            boolean quietDb = connection == null || (b.nextXid() - a.nextXid()) / elapsed <= maxXids;
            boolean quietJvm = options.servicePid() == null
                    || (b.jvmTicks() - a.jvmTicks()) / (double) ticksPerSecond / elapsed <= QUIET_JVM_CPU_SHARE;
            quietSeconds = quietDb && quietJvm ? quietSeconds + 1 : 0;
            previous = current;
        }
        progress("quiet after %.0f s", seconds(System.nanoTime() - started));
        return true;
    }

    private Amounts difference(Reading begin, Reading end) {
        Counters a = begin.counters();
        Counters b = end.counters();
        boolean db = connection != null;
        // Each reading after `begin`, up to and including `end`, committed one read-only transaction of the meter's
        // own (the first reading's is counted by the second, and so on): not the service's work.
        double own = end.seq() - begin.seq();
        boolean counted = a.serviceTransactions() >= 0 && b.serviceTransactions() >= 0;
        return new Amounts(seconds(end.nanos() - begin.nanos()),
                db ? b.commits() - a.commits() - own : Double.NaN,
                db ? b.rollbacks() - a.rollbacks() : Double.NaN,
                counted ? b.serviceTransactions() - a.serviceTransactions() : Double.NaN, // the meter's are not the service's
                db ? b.nextXid() - a.nextXid() : Double.NaN,
                db ? b.walPosition() - a.walPosition() : Double.NaN,
                db ? b.walRecords() - a.walRecords() : Double.NaN,
                db ? b.walSyncs() - a.walSyncs() : Double.NaN,
                options.servicePid() == null ? Double.NaN : millis(b.jvmTicks() - a.jvmTicks()),
                db ? millis(b.pgTicks() - a.pgTicks()) : Double.NaN);
    }

    /** The counted transactions by source from {@code begin} to {@code end}, sources with none left out. */
    private static Map<String, Double> sources(Reading begin, Reading end) {
        Map<String, Long> before = begin.counters().sources();
        Map<String, Double> amounts = new HashMap<>();
        end.counters().sources().forEach((source, count) -> {
            long amount = count - before.getOrDefault(source, 0L);
            if (amount != 0) {
                amounts.put(source, (double) amount);
            }
        });
        return Map.copyOf(amounts);
    }

    private double millis(long ticks) {
        return ticks * 1000.0 / ticksPerSecond;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    // ---------------------------------------------------------------- readings

    Reading read() throws SQLException, IOException {
        return read(true);
    }

    /**
     * {@code service}: also the service's counted transactions (the waits for quiet need only the xids and the CPU,
     * and a scrape costs the service some CPU of its own).
     */
    private Reading read(boolean service) throws SQLException, IOException {
        long commits = -1;
        long rollbacks = -1;
        long nextXid = -1;
        long walPosition = -1;
        long walRecords = -1;
        long walSyncs = -1;
        if (connection != null) {
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(READING)) {
                if (!rows.next()) {
                    throw new SQLException("no pg_stat_database row for the current database");
                }
                commits = rows.getLong(1);
                rollbacks = rows.getLong(2);
                nextXid = rows.getLong(3);
                walPosition = rows.getLong(4);
                walRecords = rows.getLong(5);
                walSyncs = rows.getLong(6);
            }
            seq++;
        }
        Map<String, Long> sources = service && metricsClient != null ? scrapeTransactions() : Map.of();
        long serviceTransactions = service && metricsClient != null
                ? sources.values().stream().mapToLong(Long::longValue).sum() : -1;
        long nanos = System.nanoTime();
        long jvm = jvmTicks();
        long pg = postmasterPid == null ? -1 : treeTicks(postmasterPid);
        return new Reading(seq, nanos, new Counters(commits, rollbacks, nextXid, walPosition, walRecords, walSyncs, jvm, pg,
                serviceTransactions, sources));
    }

    /** {@code picflow_db_transactions_total} by its {@code source} label, from the service's Prometheus scrape. */
    private Map<String, Long> scrapeTransactions() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(options.metricsUrl())).timeout(METRICS_TIMEOUT)
                .header("Accept", "text/plain").GET().build();
        HttpResponse<String> response;
        try {
            response = metricsClient.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + options.metricsUrl());
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + options.metricsUrl() + " answered " + response.statusCode() + ": "
                    + BenchSupport.abbreviate(response.body()));
        }
        Map<String, Long> sources = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith(TRANSACTIONS_METRIC)) {
                parseSample(line, sources);
            }
        }
        return Map.copyOf(sources);
    }

    /** Adds one sample line, {@code name{labels} value [timestamp]}, to {@code sources} by its source label. */
    private static void parseSample(String line, Map<String, Long> sources) throws IOException {
        Map<String, String> labels = new HashMap<>();
        int i = line.indexOf('{') + 1;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                throw new IOException("unreadable metrics line: " + BenchSupport.abbreviate(line));
            }
            String name = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length() && line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < line.length()) {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            if (j >= line.length()) {
                throw new IOException("unreadable metrics line: " + BenchSupport.abbreviate(line));
            }
            labels.put(name, value.toString());
            i = j + 1;
            while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                i++;
            }
        }
        String[] rest = i < line.length() ? line.substring(i + 1).trim().split("\\s+") : new String[0];
        String source = labels.get("source");
        if (source == null || rest.length == 0 || rest[0].isEmpty()) {
            throw new IOException("unreadable metrics line: " + BenchSupport.abbreviate(line));
        }
        try {
            sources.merge(source, Math.round(Double.parseDouble(rest[0])), Long::sum);
        } catch (NumberFormatException e) {
            throw new IOException("unreadable metrics line: " + BenchSupport.abbreviate(line));
        }
    }

    private long jvmTicks() throws IOException {
        if (options.servicePid() == null) {
            return -1;
        }
        long[] stat = procStat(options.servicePid());
        return stat[11] + stat[12]; // utime + stime: every thread of the JVM, not its children
    }

    /**
     * CPU ticks of a process and its children: its own and its reaped children's (cutime, cstime: backends that
     * exited), plus each live child's. PostgreSQL's backends and auxiliary processes are the postmaster's children.
     */
    private static long treeTicks(long parent) throws IOException {
        long[] own = procStat(parent);
        long total = own[11] + own[12] + own[13] + own[14];
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                long[] stat;
                try {
                    stat = procStat(Long.parseLong(entry.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    continue; // gone meanwhile
                }
                if (stat[1] == parent) {
                    total += stat[11] + stat[12] + stat[13] + stat[14];
                }
            }
        }
        return total;
    }

    /**
     * The numeric fields of {@code /proc/<pid>/stat} after the command name, from the state (index 0): ppid is
     * index 1, utime 11, stime 12, cutime 13, cstime 14 (proc(5) fields 3, 4, 14-17). The state letter is 0.
     */
    static long[] procStat(long pid) throws IOException {
        String text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" "); // the name may hold spaces
        long[] values = new long[15];
        for (int i = 1; i < values.length; i++) {
            values[i] = Long.parseLong(fields[i]);
        }
        return values;
    }

    /** {@code getconf CLK_TCK}: the unit of /proc's CPU times (100 on Linux, almost always). */
    private static long clockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing the meter's connection: nothing to do
            }
        }
    }

    // ---------------------------------------------------------------- report

    /** A row of the units tables: a phase's amounts, divided by its units; {@code rates}: with units/s. */
    record Row(String name, Work work, Amounts amounts, boolean rates) {

        Amounts perUnit() {
            return WorkMeter.perUnit(work, amounts);
        }
    }

    /** {@code amounts} less the idle rate over their seconds (unchanged if the idle phase did not run). */
    Amounts lessIdle(Amounts amounts) {
        return idleRate == null ? amounts : amounts.minus(idleRate, amounts.seconds());
    }

    boolean knowsIdle() {
        return idleRate != null;
    }

    /** A phase's rows: up to its last answer, until quiet, and until quiet less the idle rate. */
    List<Row> rows(Work work) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(work.name(), work, work.window(), true));
        rows.add(new Row(work.name() + ", until quiet", work, work.total(), false));
        if (knowsIdle()) {
            rows.add(new Row(work.name() + ", until quiet, less idle", work, lessIdle(work.total()), false));
        }
        return rows;
    }

    /** The rows of several phases. */
    List<Row> rows(List<Work> phases) {
        List<Row> rows = new ArrayList<>();
        phases.forEach(work -> rows.addAll(rows(work)));
        return rows;
    }

    /**
     * "MET" if {@code measured} meets the target, "MET only less the idle rate" if only {@code net} does, else
     * "NOT MET": the idle rate keeps running under load only in part, so the truth lies between the two.
     */
    static String verdict(boolean measured, boolean net) {
        return measured ? "MET" : net ? "MET only less the idle rate" : "NOT MET";
    }

    /** The units-of-work section: how it was measured, the ceiling, the idle table and the units tables. */
    void report(PrintStream out, Work idle, List<Row> rows, InsertCeiling.Result ceiling, InsertCeiling.Result single) {
        out.println("## Units of work");
        out.println();
        out.println("- counters: " + describe());
        out.println("- commits and rollbacks: pg_stat_database of the service's database, less the meter's own reads;"
                + " WAL-writing transactions: transaction ids handed out (txid_snapshot_xmax); WAL flushes:"
                + " pg_stat_wal.wal_sync; WAL bytes: how far pg_current_wal_lsn() moved; CPU: utime + stime from /proc,"
                + " the service JVM alone, and PostgreSQL's postmaster with all its processes (bench/README.md,"
                + " \"Units of work\"). Service transactions (counted): counted in the service JVM"
                + " (picflow_db_transactions_total: each commit and each autocommit statement, by thread), exact at"
                + " each reading, while pg_stat_database lags (PostgreSQL 14 keeps an idle backend's statistics until"
                + " its next transaction)");
        out.println("- each phase starts once the service is quiet. Row \"<phase>\": up to its last answer (the"
                + " statistics of its last second may be missing); \"until quiet\": until the service is quiet again,"
                + " with the work the phase left running; \"less idle\": less the idle rate over the same seconds"
                + " (the background, which under load runs only in part: the truth lies between the two)");
        out.println();
        InsertCeiling.print(out, ceiling);
        out.println();
        if (idle != null) {
            printIdle(out, idle, ceiling);
        }
        List<Row> all = new ArrayList<>(rows);
        for (InsertCeiling.Result result : new InsertCeiling.Result[] {ceiling, single}) {
            if (result != null && result.work() != null) {
                all.addAll(ceilingRows(result.work()));
            }
        }
        printUnits(out, all, ceiling == null || ceiling.work() == null ? null : ceilingRows(ceiling.work()).get(
                knowsIdle() ? 1 : 0));
        // The ceilings' units are inserts the service did not make: only the benchmark's own phases (and idle).
        List<Work> phases = new ArrayList<>();
        if (idle != null) {
            phases.add(idle);
        }
        rows.stream().map(Row::work).distinct().forEach(phases::add);
        printSources(out, phases, idle);
    }

    /**
     * The ceiling's rows: until quiet (its connections report their last counts when they close, after the
     * inserts), and less the idle rate. Both carry the inserts' rate.
     */
    private List<Row> ceilingRows(Work work) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(work.name(), work, work.total(), true));
        if (knowsIdle()) {
            rows.add(new Row(work.name() + ", less idle", work, lessIdle(work.total()), true));
        }
        return rows;
    }

    /** The idle table: per second, next to the ceiling's per second while it inserted, and the ratio. */
    static void printIdle(PrintStream out, Work idle, InsertCeiling.Result ceiling) {
        out.println(format("### Idle: %.0f s with no requests", idle.total().seconds()));
        out.println();
        out.println("| per second | transactions (commits + rollbacks) | service transactions (counted) | WAL-writing transactions (xids) | WAL flushes | WAL records | WAL bytes | service JVM CPU ms | PostgreSQL CPU ms |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Amounts rate = idle.total().perSecond();
        out.println(idleRow("idle", rate, number(rate.serviceTransactions(), 1)));
        if (ceiling != null && ceiling.work() != null) {
            Amounts ceilingRate = ceiling.work().total().times(1.0 / ceiling.wallSeconds());
            out.println(idleRow(ceiling.work().name(), ceilingRate, "-"));
            out.println(format("| idle / ceiling | %s | | %s | %s | %s | %s | | %s |",
                    percent(rate.commits() + rate.rollbacks(), ceilingRate.commits() + ceilingRate.rollbacks()),
                    percent(rate.xids(), ceilingRate.xids()), percent(rate.walSyncs(), ceilingRate.walSyncs()),
                    percent(rate.walRecords(), ceilingRate.walRecords()), percent(rate.walBytes(), ceilingRate.walBytes()),
                    percent(rate.pgMs(), ceilingRate.pgMs())));
        }
        out.println();
        if (idle.note() != null) {
            out.println("- idle: " + idle.note());
        }
        out.println("target: idle <= 5 transactions/s (read-only included) and <= 1 WAL-writing transaction/s");
        double pgTx = rate.commits() + rate.rollbacks();
        double counted = rate.serviceTransactions();
        if (Double.isNaN(rate.commits())) {
            out.println(Double.isNaN(counted) ? "result: not measured (no --jdbc-url)"
                    : format("result: not measured (no --jdbc-url: no WAL-writing figure; %.1f transactions/s counted"
                            + " by the service)", counted));
        } else if (Double.isNaN(counted)) {
            out.println(format("result: %s (%.1f transactions/s, %.1f WAL-writing (xids)/s, %.1f WAL flushes/s)",
                    pgTx <= 5 && rate.xids() <= 1 ? "MET" : "NOT MET", pgTx, rate.xids(), rate.walSyncs()));
        } else {
            // The service's count is exact; pg_stat_database may carry counts from before the window, or miss some.
            out.println(format("result: %s (%.1f transactions/s counted by the service; pg_stat_database: %.1f;"
                            + " %.1f WAL-writing (xids)/s, %.1f WAL flushes/s)",
                    counted <= 5 && rate.xids() <= 1 ? "MET" : "NOT MET", counted, pgTx, rate.xids(), rate.walSyncs()));
        }
        out.println();
    }

    private static String idleRow(String name, Amounts rate, String counted) {
        return format("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", name,
                number(rate.commits() + rate.rollbacks(), 1), counted, number(rate.xids(), 1),
                number(rate.walSyncs(), 1), number(rate.walRecords(), 0), number(rate.walBytes(), 0),
                number(rate.jvmMs(), 1), number(rate.pgMs(), 1));
    }

    /** The units table (per unit of each row), then the same divided by the ceiling's per-insert figures. */
    static void printUnits(PrintStream out, List<Row> rows, Row reference) {
        out.println("### Per unit of work");
        out.println();
        out.println("| phase | units | units/s | % of INSERT ceiling/s | commits | service transactions (counted) | rollbacks | WAL-writing tx (xids) | WAL flushes | WAL bytes | service JVM CPU ms | PostgreSQL CPU ms |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            out.println(unitsRow(row, reference));
        }
        out.println();
        List<Work> phases = new ArrayList<>();
        rows.stream().map(Row::work).distinct().forEach(phases::add);
        for (Work work : phases) {
            out.println(format("- %s: %d %ss in %.1f s; counters over %.1f s up to the last answer, %.1f s until quiet%s",
                    work.name(), work.units(), work.unit(), work.phaseSeconds(), work.window().seconds(),
                    work.total().seconds(), work.note() == null ? "" : "; " + work.note()));
        }
        out.println();
        if (reference == null) {
            out.println("(no INSERT ceiling: no --jdbc-url)");
            out.println();
            return;
        }
        Amounts base = reference.perUnit();
        out.println(format("Per unit divided by the same per INSERT of the ceiling (%s: %s commits, %s xids, %s WAL flushes,"
                        + " %s WAL bytes, %s PostgreSQL CPU ms per insert):", reference.name(), number(base.commits(), 3),
                number(base.xids(), 3), number(base.walSyncs(), 3), number(base.walBytes(), 0), number(base.pgMs(), 3)));
        out.println();
        out.println("| phase | commits | WAL-writing tx (xids) | WAL flushes | WAL bytes | PostgreSQL CPU ms |");
        out.println("|---|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            if (row.work() != reference.work()) {
                out.println(ratioRow(row.name(), row.perUnit(), base));
            }
        }
        out.println();
    }

    /**
     * Where the service's counted transactions went, per phase until quiet: the top sources per unit (idle: per
     * second), the rest summed, and the total. Nothing without {@code --metrics-url}.
     */
    static void printSources(PrintStream out, List<Work> phases, Work idle) {
        if (phases.stream().allMatch(work -> work.sources().isEmpty())) {
            return;
        }
        out.println("### Where the service's transactions went (counted, per unit, until quiet)");
        out.println();
        for (Work work : phases) {
            if (work.sources().isEmpty()) {
                continue;
            }
            // Idle: per second of the idle window, as in the idle table (its units are rounded seconds).
            double divisor = work == idle ? work.total().seconds() : work.units();
            List<Map.Entry<String, Double>> sorted = new ArrayList<>(work.sources().entrySet());
            sorted.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey()));
            double total = sorted.stream().mapToDouble(Map.Entry::getValue).sum();
            out.println(format("%s%s: %.0f transactions in %.1f s, per %s:", work.name(), work == idle ? "" : ", until quiet",
                    total, work.total().seconds(), work.unit()));
            out.println();
            out.println("| source | per unit | share |");
            out.println("|---|---:|---:|");
            Map<String, Double> shown = new LinkedHashMap<>();
            double others = 0;
            for (int i = 0; i < sorted.size(); i++) {
                if (i < TOP_SOURCES) {
                    shown.put(sorted.get(i).getKey(), sorted.get(i).getValue());
                } else {
                    others += sorted.get(i).getValue();
                }
            }
            shown.forEach((source, amount) -> out.println(sourceRow(BenchSupport.abbreviate(source), amount, divisor, total)));
            if (sorted.size() > TOP_SOURCES) {
                out.println(sourceRow(format("others (%d sources)", sorted.size() - TOP_SOURCES), others, divisor, total));
            }
            out.println(sourceRow("total", total, divisor, total));
            out.println();
        }
    }

    private static String sourceRow(String source, double amount, double divisor, double total) {
        return format("| %s | %s | %s |", source, number(divisor > 0 ? amount / divisor : Double.NaN, 3),
                percent(amount, total));
    }

    static Amounts perUnit(Work work, Amounts amounts) {
        return amounts.times(work.units() > 0 ? 1.0 / work.units() : Double.NaN);
    }

    private static String unitsRow(Row row, Row reference) {
        Work work = row.work();
        Amounts per = row.perUnit();
        return format("| %s | %d %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", row.name(), work.units(),
                work.unit() + (work.units() == 1 ? "" : "s"), row.rates() ? number(work.unitsPerSecond(), 1) : "",
                row.rates() && reference != null ? percent(work.unitsPerSecond(), reference.work().unitsPerSecond()) : "",
                number(per.commits(), 2), number(per.serviceTransactions(), 2), number(per.rollbacks(), 2), number(per.xids(), 2), number(per.walSyncs(), 2),
                number(per.walBytes(), 0), number(per.jvmMs(), 2), number(per.pgMs(), 2));
    }

    private static String ratioRow(String name, Amounts per, Amounts base) {
        return format("| %s | %s | %s | %s | %s | %s |", name, ratio(per.commits(), base.commits()),
                ratio(per.xids(), base.xids()), ratio(per.walSyncs(), base.walSyncs()),
                ratio(per.walBytes(), base.walBytes()), ratio(per.pgMs(), base.pgMs()));
    }

    static String number(double value, int decimals) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : format("%." + decimals + "f", value);
    }

    static String percent(double value, double reference) {
        return Double.isNaN(value) || Double.isNaN(reference) || reference == 0 ? "-" : format("%.1f %%", 100 * value / reference);
    }

    static String ratio(double value, double reference) {
        return Double.isNaN(value) || Double.isNaN(reference) || reference == 0 ? "-" : format("%.2fx", value / reference);
    }
}
