package io.picflow.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One batch of downloads for one user: {@code POST /api/downloads} for every URL from a pool of client
 * threads, then (optionally) polling the caller's COMPLETED and FAILED counts every 100 ms until they
 * account for every accepted download. Everything is bounded by a deadline.
 */
final class LifecycleBatch {

    static final int CLIENT_THREADS = 16;
    static final long POLL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final List<String> urls;
    private final String[] ids;
    private final String[] errors;
    private final CountDownLatch finished;
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final long startedNanos;
    private final java.time.Instant startedAt;
    private volatile long submittedNanos;

    private LifecycleBatch(List<String> urls, int threads, LifecycleApi api, String token) {
        this.urls = List.copyOf(urls);
        this.ids = new String[urls.size()];
        this.errors = new String[urls.size()];
        this.finished = new CountDownLatch(threads);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger(threads);
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i; (i = next.getAndIncrement()) < ids.length && !Thread.currentThread().isInterrupted(); ) {
                        LifecycleApi.Posted posted = api.requestDownload(token, this.urls.get(i));
                        ids[i] = posted.downloadId();
                        errors[i] = posted.error();
                        if (posted.error() != null) {
                            firstError.compareAndSet(null, posted.error());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    if (running.decrementAndGet() == 0) {
                        submittedNanos = System.nanoTime();
                    }
                    finished.countDown();
                }
            }, "lifecycle-post-" + t);
            worker.setDaemon(true);
            worker.start();
        }
        this.startedNanos = System.nanoTime();
        this.startedAt = java.time.Instant.now();
        start.countDown();
    }

    /** Starts posting every URL from {@code threads} threads and returns at once; the clock starts now. */
    static LifecycleBatch submit(LifecycleApi api, String token, List<String> urls, int threads) {
        return new LifecycleBatch(urls, Math.max(1, Math.min(threads, urls.size())), api, token);
    }

    /** Just before the first POST. */
    long startedNanos() {
        return startedNanos;
    }

    /** Just before the first POST, by the wall clock (to compare with the service's event timestamps). */
    java.time.Instant startedAt() {
        return startedAt;
    }

    /** The wall-clock time of a {@code System.nanoTime} reading taken during this batch. */
    java.time.Instant wallClockOf(long nanos) {
        return startedAt.plusNanos(nanos - startedNanos);
    }

    /** The download ids, null where the POST failed. */
    List<String> ids() {
        return java.util.Arrays.asList(ids.clone());
    }

    /** When the last POST was answered (valid once {@link #isSubmitted()}). */
    long submittedNanos() {
        return submittedNanos;
    }

    boolean isSubmitted() {
        return finished.getCount() == 0;
    }

    /** Waits for every POST to be answered, at most until {@code deadlineNanos}; true if they were. */
    boolean awaitSubmitted(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        return finished.await(Math.max(0, left), TimeUnit.NANOSECONDS);
    }

    int requested() {
        return ids.length;
    }

    /** 202 answers so far (final once submitted; the joins through the latch make the writes visible). */
    int accepted() {
        return nonNull(ids);
    }

    int postErrors() {
        return nonNull(errors);
    }

    private static int nonNull(Object[] values) {
        int count = 0;
        for (Object value : values) {
            if (value != null) {
                count++;
            }
        }
        return count;
    }

    String firstPostError() {
        return firstError.get();
    }

    /** The download id of URL {@code index}, or null if its POST failed. */
    String id(int index) {
        return ids[index];
    }

    /** The outcome of waiting for completion. {@code endNanos} is when the deciding poll was answered. */
    record Completion(long completed, long failed, long endNanos, boolean timedOut, long pollErrors, String lastPollError) {
    }

    /**
     * Polls the caller's COMPLETED and FAILED counts every 100 ms until, with every POST answered, they add
     * up to the accepted downloads, or until {@code deadlineNanos}. The user must have no other downloads.
     */
    Completion awaitCompletion(LifecycleApi api, String token, long deadlineNanos) throws InterruptedException {
        long tick = System.nanoTime();
        long completed = 0;
        long failed = 0;
        long pollErrors = 0;
        String lastPollError = null;
        while (true) {
            boolean submitted = isSubmitted();
            try {
                completed = api.count(token, "COMPLETED");
                failed = api.count(token, "FAILED");
            } catch (java.io.IOException e) {
                pollErrors++;
                lastPollError = e.toString();
            }
            long now = System.nanoTime();
            if (submitted && completed + failed >= accepted()) {
                return new Completion(completed, failed, now, false, pollErrors, lastPollError);
            }
            if (now - deadlineNanos >= 0) {
                return new Completion(completed, failed, now, true, pollErrors, lastPollError);
            }
            tick += POLL_INTERVAL_NANOS;
            long left = tick - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            } else {
                tick = System.nanoTime(); // a slow poll: do not try to catch up
            }
        }
    }

    /** Per-download detail: how many in each status, and the error codes seen (with one message each). */
    record Details(Map<String, Integer> statuses, Map<String, Integer> errorCodes, Map<String, String> errorExamples,
            boolean[] completed, int unreadable) {
    }

    /** Reads every accepted download with {@code GET /api/downloads/{id}}, until {@code deadlineNanos}. */
    Details details(LifecycleApi api, String token, long deadlineNanos) throws InterruptedException {
        Map<String, Integer> statuses = new TreeMap<>();
        Map<String, Integer> codes = new TreeMap<>();
        Map<String, String> examples = new LinkedHashMap<>();
        boolean[] completed = new boolean[ids.length];
        int unreadable = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == null) {
                continue;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                unreadable++;
                continue;
            }
            try {
                LifecycleApi.DownloadState state = api.download(token, ids[i]);
                statuses.merge(state.status(), 1, Integer::sum);
                completed[i] = "COMPLETED".equals(state.status());
                if (state.errorCode() != null) {
                    codes.merge(state.errorCode(), 1, Integer::sum);
                    examples.putIfAbsent(state.errorCode(), state.errorMessage());
                }
            } catch (java.io.IOException e) {
                unreadable++;
            }
        }
        return new Details(statuses, codes, examples, completed, unreadable);
    }

    /** The caller's downloads per status (one count request per status); -1 where the count failed. */
    static Map<String, Long> statusCounts(LifecycleApi api, String token) throws InterruptedException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String status : LifecycleApi.STATUSES) {
            long count;
            try {
                count = api.count(token, status);
            } catch (java.io.IOException e) {
                count = -1;
            }
            counts.put(status, count);
        }
        return counts;
    }
}
