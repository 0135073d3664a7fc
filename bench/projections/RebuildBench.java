import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestTokens;
import io.picflow.query.rebuild.ProjectionRebuild;
import io.picflow.query.rebuild.ProjectionRebuilds;
import io.picflow.query.rebuild.RebuildProgress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import io.picflow.platform.privacy.PersonalData;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rebuild throughput on a large store (bench/rebuild.sh): appends {@code events} realistic events
 * (default 1,000,000) in batches straight through the event storage engine, with the live processors
 * stopped, then rebuilds each read model through the rebuild service, one after the other, and times
 * each from its start to its completion (the new generation in service). Also times the event browser's
 * correlation-id query on that store.
 */
public final class RebuildBench {

    private static final Map<String, String> TARGETS = Map.of(
            "downloads", "20,000/s (PostgreSQL)",
            "images", "20,000/s (PostgreSQL)",
            "favorites", "20,000/s (PostgreSQL)",
            "users", "20,000/s (PostgreSQL)",
            "image-search", "10,000/s (Elasticsearch)",
            "cache", "(none; in memory)");

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Map<String, String> properties = BenchContexts.properties();
        properties.put("picflow.search.alias", "rebuild-bench-" + System.nanoTime());

        try (ConfigurableApplicationContext context = BenchContexts.start(properties)) {
            // The live processors stay stopped: only the rebuilds read the history.
            context.getBean(EventProcessingConfiguration.class).eventProcessors().values().forEach(p -> p.shutDown());
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            long started = System.nanoTime();
            long appended = RealisticEvents.append(context.getBean(EventStorageEngine.class), context.getBean(PersonalData.class), events);
            double seedSeconds = (System.nanoTime() - started) / 1e9;
            jdbc.sql("ANALYZE domain_event_entry").update();
            long head = jdbc.sql("SELECT max(global_index) FROM domain_event_entry").query(Long.class).single();
            long total = jdbc.sql("SELECT count(*) FROM domain_event_entry").query(Long.class).single();
            System.err.printf("[bench] appended %d events in %.1f s (%.0f/s); %d in the store%n", appended, seedSeconds,
                    appended / seedSeconds, total);

            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            List<String> browse = browse(ApiClient.onPort(port), events);

            ProjectionRebuilds rebuilds = context.getBean(ProjectionRebuilds.class);
            Map<String, RebuildProgress> results = new LinkedHashMap<>();
            for (String name : rebuilds.names()) {
                ProjectionRebuild rebuild = rebuilds.start(name);
                while (rebuild.isRunning()) {
                    Thread.sleep(100); // polling a benchmark's progress, not synchronising a test
                }
                RebuildProgress progress = rebuild.progress();
                results.put(name, progress);
                System.err.printf("[bench] %s: %s in %.1f s%n", name, progress.state(), seconds(progress));
            }

            System.out.printf("Store: %d events (seeded %d in %.0f s, %.0f events/s through the storage engine).%n%n", total, appended,
                    seedSeconds, appended / seedSeconds);
            System.out.println("| read model | outcome | s to complete | store events/s | events handled | handled events/s | target |");
            System.out.println("|---|---|---:|---:|---:|---:|---|");
            for (Map.Entry<String, RebuildProgress> result : results.entrySet()) {
                RebuildProgress p = result.getValue();
                double seconds = seconds(p);
                System.out.printf("| %s | %s | %.1f | %.0f | %d | %.0f | %s |%n", result.getKey(), p.state(), seconds, head / seconds,
                        p.eventsProcessed(), p.eventsProcessed() / seconds, TARGETS.get(result.getKey()));
            }
            System.out.println();
            System.out.println("s to complete: from POST .../rebuild to the new generation in service (shadow tables, index or cache built, "
                    + "swapped in). Store events/s: events in the store read per second. Events handled: those the read model's handlers "
                    + "take (the others are skipped by type).");
            System.out.println();
            System.out.println("| event browser query | results | median ms | max ms |");
            System.out.println("|---|---:|---:|---:|");
            browse.forEach(System.out::println);
        }
        System.exit(0);
    }

    private static double seconds(RebuildProgress progress) {
        return Duration.between(progress.startedAt(), progress.finishedAt()).toMillis() / 1000.0;
    }

    /** Times GET /api/admin/events on the big store: 20 runs of each query, after 3 warm-ups. */
    private static List<String> browse(ApiClient api, int events) {
        String admin = TestTokens.admin("bench");
        int middle = events / 22; // a download from the middle of the history
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("correlationId (one download's chain)", "/api/admin/events?correlationId=bench-dl-" + middle);
        queries.put("aggregateId", "/api/admin/events?aggregateId=dl-" + middle);
        queries.put("type=ImageStored, page 100 of 100", "/api/admin/events?type=ImageStored&page=100&size=100");
        queries.put("from/to (one minute)", "/api/admin/events?from=2026-11-01T00:30:00Z&to=2026-11-01T00:31:00Z&size=1000");
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, String> query : queries.entrySet()) {
            List<Double> millis = new ArrayList<>();
            HttpResponse<String> last = null;
            for (int i = 0; i < 23; i++) {
                long start = System.nanoTime();
                last = api.get(query.getValue(), admin);
                if (i >= 3) {
                    millis.add((System.nanoTime() - start) / 1e6);
                }
            }
            Collections.sort(millis);
            String results = last.statusCode() == 200 ? String.valueOf(last.body().split("\"position\"").length - 1)
                    : "HTTP " + last.statusCode();
            rows.add(String.format("| %s | %s | %.1f | %.1f |", query.getKey(), results, millis.get(millis.size() / 2),
                    millis.get(millis.size() - 1)));
        }
        return rows;
    }
}
