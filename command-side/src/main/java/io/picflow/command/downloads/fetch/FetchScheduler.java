package io.picflow.command.downloads.fetch;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs fetches within a global and a per-host concurrency limit. Waiting fetches start in the order
 * they arrived, skipping only those whose host is at its limit (so one slow host does not block
 * the others).
 */
final class FetchScheduler {

    private final int globalLimit;
    private final int perHostLimit;
    private final Executor executor;
    private final Consumer<FetchJob> runner;
    private final Deque<FetchJob> waiting = new ArrayDeque<>();
    private final Map<String, Integer> runningPerHost = new HashMap<>();
    private int running;

    FetchScheduler(int globalLimit, int perHostLimit, Executor executor, Consumer<FetchJob> runner) {
        this.globalLimit = globalLimit;
        this.perHostLimit = perHostLimit;
        this.executor = executor;
        this.runner = runner;
    }

    synchronized void submit(FetchJob job) {
        waiting.addLast(job);
        startWhatFits();
    }

    /** Removes a waiting fetch of this download; true if there was one. */
    synchronized boolean withdraw(String downloadId) {
        return waiting.removeIf(job -> job.downloadId().equals(downloadId));
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    synchronized int runningCount() {
        return running;
    }

    private void startWhatFits() {
        Iterator<FetchJob> candidates = waiting.iterator();
        while (running < globalLimit && candidates.hasNext()) {
            FetchJob job = candidates.next();
            if (runningPerHost.getOrDefault(job.host(), 0) < perHostLimit) {
                candidates.remove();
                running++;
                runningPerHost.merge(job.host(), 1, Integer::sum);
                executor.execute(() -> {
                    try {
                        runner.accept(job);
                    } finally {
                        finished(job);
                    }
                });
            }
        }
    }

    private synchronized void finished(FetchJob job) {
        running--;
        runningPerHost.computeIfPresent(job.host(), (host, count) -> count > 1 ? count - 1 : null);
        startWhatFits();
    }
}
