package io.picflow.bench;

import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Units of work of the lifecycle benchmark: the idle phase, the cost of one of the client's own status GETs,
 * each measured batch per completed download (as measured, less the client's GETs, and less the idle rate too),
 * and the INSERT ceiling.
 *
 * <p>While a batch runs, the client polls two counts every 100 ms: read-only transactions and CPU that a real
 * client need not cause. A probe measures what one such GET costs ({@link #PROBE_READS} of them in a row, until
 * quiet, less the idle rate over the same seconds), and each batch is also shown less its GETs times that cost.
 */
final class LifecycleUnits {

    static final int PROBE_READS = 500;
    static final String TARGET = "target: per completed download <= 8 commits and <= 4 WAL flushes";
    private static final double TARGET_COMMITS = 8;
    private static final double TARGET_FLUSHES = 4;

    private final WorkMeter meter;
    private final LifecycleApi api;
    private final List<WorkMeter.Row> rows = new ArrayList<>();
    /** Per batch: until quiet less the client's GETs, and that less the idle rate too. */
    private final List<WorkMeter.Row[]> judged = new ArrayList<>();
    private WorkMeter.Work idle;
    private WorkMeter.Amounts readCost;
    private String readCostNote = "not measured";
    private InsertCeiling.Result[] ceilings = new InsertCeiling.Result[2];

    LifecycleUnits(WorkMeter meter, LifecycleApi api) {
        this.meter = meter;
        this.api = api;
    }

    /** The idle phase (if any), then the probe: before any load. */
    void beforeLoad() throws Exception {
        int seconds = meter.options().idleSeconds();
        if (seconds > 0) {
            progress("idle: waiting for quiet, then %d s without requests", seconds);
            idle = meter.idle(seconds);
        }
        if (!meter.measuresDatabase() || idle == null) {
            readCostNote = "not measured (needs --jdbc-url and the idle phase)";
            return;
        }
        String token = api.token("bench-probe");
        progress("probe: %d status GETs in a row (user bench-probe)", PROBE_READS);
        WorkMeter.Phase phase = meter.begin("status GET probe");
        long began = System.nanoTime();
        for (int i = 0; i < PROBE_READS; i++) {
            api.count(token, "COMPLETED");
        }
        WorkMeter.Work probe = phase.end("status GET", PROBE_READS, (System.nanoTime() - began) / 1e9);
        rows.addAll(meter.rows(probe));
        // The service's background runs through the probe too: its "until quiet, less idle" row is one GET's cost.
        readCost = WorkMeter.perUnit(probe, meter.lessIdle(probe.total()));
        readCostNote = format("%.2f commits, %.3f xids, %.3f WAL flushes, %.0f WAL bytes, %.2f service JVM CPU ms,"
                        + " %.2f PostgreSQL CPU ms (the probe's row \"until quiet, less idle\")", readCost.commits(),
                readCost.xids(), readCost.walSyncs(), readCost.walBytes(), readCost.jvmMs(), readCost.pgMs());
    }

    /** A batch in progress. */
    record Started(WorkMeter.Phase phase, long reads) {
    }

    /** Call with the batch's token already issued: starts once the service is quiet. */
    Started begin(String name) throws Exception {
        return new Started(meter.begin(name), api.reads());
    }

    /** Call right after the batch's last completion was seen. */
    void end(Started started, LifecycleBatch.Completion completion, double wallSeconds) throws Exception {
        long reads = api.reads() - started.reads();
        WorkMeter.Work work = started.phase().end("completed download", completion.completed(), wallSeconds);
        rows.add(new WorkMeter.Row(work.name(), work, work.window(), true));
        rows.add(new WorkMeter.Row(work.name() + ", until quiet", work, work.total(), false));
        if (readCost == null) {
            judged.add(new WorkMeter.Row[] {rows.get(rows.size() - 1), rows.get(rows.size() - 1)});
            return;
        }
        WorkMeter.Amounts lessReads = work.total().minus(readCost, reads);
        WorkMeter.Row less = new WorkMeter.Row(format("%s, until quiet, less %d status GETs", work.name(), reads), work,
                lessReads, false);
        WorkMeter.Row net = new WorkMeter.Row(format("%s, until quiet, less %d status GETs, less idle", work.name(), reads),
                work, meter.lessIdle(lessReads), false);
        rows.add(less);
        rows.add(net);
        judged.add(new WorkMeter.Row[] {less, net});
    }

    /** The INSERT ceiling and the one-connection check, on a quiet service. */
    void ceilings() throws Exception {
        ceilings = InsertCeiling.measureBoth(meter);
    }

    void print(PrintStream out) {
        meter.report(out, idle, rows, ceilings[0], ceilings[1]);
        out.println("- one status GET of the client (GET /api/downloads?status=...&size=1): " + readCostNote);
        out.println();
        out.println(TARGET);
        if (judged.isEmpty()) {
            out.println("result: not measured (no network or cpu batch)");
        }
        for (WorkMeter.Row[] pair : judged) {
            WorkMeter.Amounts measured = pair[0].perUnit();
            WorkMeter.Amounts net = pair[1].perUnit();
            if (Double.isNaN(measured.commits())) {
                out.println("result: not measured (no --jdbc-url)");
                continue;
            }
            out.println(format("result for %s: %s (%.2f commits, %.2f WAL flushes per completed download; less the idle"
                            + " rate: %.2f commits, %.2f WAL flushes)", pair[0].name(),
                    WorkMeter.verdict(measured.commits() <= TARGET_COMMITS && measured.walSyncs() <= TARGET_FLUSHES,
                            net.commits() <= TARGET_COMMITS && net.walSyncs() <= TARGET_FLUSHES),
                    measured.commits(), measured.walSyncs(), net.commits(), net.walSyncs()));
        }
        out.println();
        out.flush();
    }
}
