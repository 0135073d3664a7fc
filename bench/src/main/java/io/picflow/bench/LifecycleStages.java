package io.picflow.bench;

import static io.picflow.bench.BenchSupport.format;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a batch's time went, read back from the event store after the run: each download's events
 * through the admin event browser ({@code GET /api/admin/events?aggregateId=}), whose timestamps the
 * command side set when it applied them. Prints the time between consecutive lifecycle events
 * (median, p90, max over the downloads) and when the batch passed each milestone, counted from the
 * first POST, so that a slow run says whether it waited for the process manager, the fetch slots,
 * the processing pool or the read model.
 */
final class LifecycleStages {

    /** The lifecycle events of a download that went straight through, in order. */
    static final List<String> STAGES = List.of("ImageDownloadRequested", "ImageFetchStarted", "ImageFetched",
            "ImageValidated", "ImageProcessed", "ImageStored", "ImageDownloadCompleted");

    private static final Pattern EVENT = Pattern.compile(
            "\"type\"\\s*:\\s*\"([A-Za-z]+)\".*?\"timestamp\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient client = BenchSupport.httpClient();
    private final URI baseUrl;
    private final String adminToken;

    LifecycleStages(URI baseUrl) throws IOException, InterruptedException {
        this.baseUrl = baseUrl;
        this.adminToken = BenchSupport.devToken(client, baseUrl, LifecycleApi.REQUEST_TIMEOUT, "bench-admin", "admin");
    }

    /** The first time each stage's event was stored for this download (absent stages are missing). */
    Map<String, Instant> stagesOf(String downloadId) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve("/api/admin/events?aggregateId=" + downloadId + "&size=1000"))
                .timeout(LifecycleApi.REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + adminToken)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException("GET /api/admin/events answered " + response.statusCode());
        }
        Map<String, Instant> stages = new HashMap<>();
        Matcher matcher = EVENT.matcher(response.body());
        while (matcher.find()) {
            if (STAGES.contains(matcher.group(1))) {
                stages.putIfAbsent(matcher.group(1), Instant.parse(matcher.group(2)));
            }
        }
        return stages;
    }

    /**
     * Prints the breakdown of a batch whose first POST went out at {@code firstPost} and whose last
     * completion the client saw at {@code observedEnd}.
     */
    void print(PrintStream out, List<String> downloadIds, Instant firstPost, Instant observedEnd)
            throws InterruptedException {
        List<Map<String, Instant>> downloads = new ArrayList<>();
        int unreadable = 0;
        for (String id : downloadIds) {
            if (id == null) {
                continue;
            }
            try {
                downloads.add(stagesOf(id));
            } catch (IOException e) {
                unreadable++;
            }
        }
        out.println("Where the time went (event timestamps from the store, ms):");
        out.println();
        out.println("| from | to | median | p90 | max |");
        out.println("|---|---|---:|---:|---:|");
        for (int i = 0; i + 1 < STAGES.size(); i++) {
            String from = STAGES.get(i);
            String to = STAGES.get(i + 1);
            List<Long> gaps = new ArrayList<>();
            for (Map<String, Instant> stages : downloads) {
                if (stages.containsKey(from) && stages.containsKey(to)) {
                    gaps.add(stages.get(to).toEpochMilli() - stages.get(from).toEpochMilli());
                }
            }
            Collections.sort(gaps);
            out.println(format("| %s | %s | %s | %s | %s |", from, to, quantile(gaps, 0.5), quantile(gaps, 0.9),
                    quantile(gaps, 1.0)));
        }
        out.println();
        out.println("| milestone | s after the first POST |");
        out.println("|---|---:|");
        for (String stage : STAGES) {
            List<Long> times = new ArrayList<>();
            for (Map<String, Instant> stages : downloads) {
                if (stages.containsKey(stage)) {
                    times.add(stages.get(stage).toEpochMilli() - firstPost.toEpochMilli());
                }
            }
            Collections.sort(times);
            if (!times.isEmpty()) {
                out.println(format("| first %s | %.2f |", stage, times.get(0) / 1000.0));
                out.println(format("| last %s | %.2f |", stage, times.get(times.size() - 1) / 1000.0));
            }
        }
        out.println(format("| client saw the last completion | %.2f |",
                (observedEnd.toEpochMilli() - firstPost.toEpochMilli()) / 1000.0));
        if (unreadable > 0) {
            out.println();
            out.println(format("(%d downloads' events could not be read)", unreadable));
        }
        out.println();
    }

    private static String quantile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return "-";
        }
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return Long.toString(sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))));
    }
}
