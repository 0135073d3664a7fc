import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.cache.KeyValueCache;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import io.picflow.platform.privacy.PersonalData;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Catch-up throughput of each query-side read model from an empty state (bench/projections.sh).
 *
 * <p>Phase 1 appends {@code events} realistic events (downloads with progress, registrations,
 * favorites, mutuals, image favorites) straight through the event storage engine of a first query-side
 * context, then empties every read model and token. Phase 2 starts a fresh query-side context on the same
 * database and a new Elasticsearch alias: all processing groups start from the first event at once,
 * competing for the same cores. Phase 3 rebuilds each group alone: stopped, its tables emptied, its
 * tokens reset, started; the table gives each group's time to reach the head both ways.
 */
public final class ProjectionCatchUpBench {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Map<String, String> properties = BenchContexts.properties();

        long head;
        try (ConfigurableApplicationContext seeding = BenchContexts.start(properties)) {
            EventStorageEngine storage = seeding.getBean(EventStorageEngine.class);
            long started = System.nanoTime();
            long appended = RealisticEvents.append(storage, seeding.getBean(PersonalData.class), events);
            System.err.printf("[bench] appended %d events in %.1f s%n", appended, (System.nanoTime() - started) / 1e9);
            JdbcClient jdbc = seeding.getBean(JdbcClient.class);
            head = jdbc.sql("SELECT max(global_index) FROM domain_event_entry").query(Long.class).single();
            seeding.getBean(EventProcessingConfiguration.class).eventProcessors().values().forEach(p -> p.shutDown());
            jdbc.sql("TRUNCATE download, image, image_source, live_feed, live_download, user_profile, user_favorite, user_mutual, "
                    + "user_shortlist, user_exclusion, image_favorite, image_search_favorite, image_search_source, query_dead_letter_entry, "
                    + "query_token_entry").update();
        }

        properties.put("picflow.search.alias", "bench-" + System.nanoTime());
        long started = System.nanoTime();
        try (ConfigurableApplicationContext measuring = BenchContexts.start(properties)) {
            EventProcessingConfiguration processing = measuring.getBean(EventProcessingConfiguration.class);
            JdbcClient jdbc = measuring.getBean(JdbcClient.class);
            List<String> groups = QuerySideConfiguration.ALL_PROCESSING_GROUPS;
            // Every group starts from the first event with the context: all of them at once, sharing the cores.
            Map<String, Double> together = awaitHead(processing, groups, head, started);
            System.err.printf("[bench] all groups together: %s%n", together);

            // Then each group alone: stopped, its tables emptied, its tokens reset to the first event, started.
            Map<String, Double> alone = new LinkedHashMap<>();
            for (String group : groups) {
                StreamingEventProcessor processor = processing.eventProcessor(group, StreamingEventProcessor.class).orElseThrow();
                processor.shutdownAsync().get(60, TimeUnit.SECONDS);
                processor.resetTokens();
                if (group.equals(QuerySideConfiguration.CACHE_GROUP)) {
                    measuring.getBean(KeyValueCache.class).clear();
                } else {
                    jdbc.sql("TRUNCATE " + String.join(", ", TABLES.get(group))).update();
                }
                jdbc.sql("DELETE FROM query_dead_letter_entry WHERE processing_group = :group").param("group", group).update();
                long from = System.nanoTime();
                processor.start();
                alone.putAll(awaitHead(processing, List.of(group), head, from));
                System.err.printf("[bench] %s alone: %.1f s%n", group, alone.get(group));
            }
            long deadLetters = jdbc.sql("SELECT count(*) FROM query_dead_letter_entry").query(Long.class).single();
            System.out.println("| read model (processing group) | events | alone: s to head | alone: events/s "
                    + "| all together: s to head | all together: events/s | target |");
            System.out.println("|---|---:|---:|---:|---:|---:|---|");
            for (String group : groups) {
                System.out.printf("| %s | %d | %.1f | %.0f | %.1f | %.0f | %s |%n", group, head, alone.get(group), head / alone.get(group),
                        together.get(group), head / together.get(group), TARGETS.get(group));
            }
            System.out.println();
            System.out.printf("Alone: one group rebuilt from the first event with the others idle (time from start() to every "
                    + "segment at the head). All together: every group from the first event at the context's start, sharing the "
                    + "cores. Elasticsearch documents are overwritten in place by the second pass. Dead letters at the end: %d.%n",
                    deadLetters);
        }
        System.exit(0);
    }

    private static final Map<String, List<String>> TABLES = Map.of(
            "downloads", List.of("download"),
            "images", List.of("image", "image_source"),
            "image-search", List.of("image_search_favorite", "image_search_source"),
            "favorites", List.of("user_favorite", "user_mutual", "user_shortlist", "user_exclusion", "image_favorite"),
            "users", List.of("user_profile"),
            "live-feed", List.of("live_feed", "live_download"));

    private static final Map<String, String> TARGETS = Map.of(
            "downloads", "20,000/s (PostgreSQL)",
            "images", "20,000/s (PostgreSQL)",
            "image-search", "10,000/s (Elasticsearch)",
            "favorites", "20,000/s (PostgreSQL)",
            "users", "20,000/s (PostgreSQL)",
            "live-feed", "(none)",
            "cache", "(none; in memory)");

    /** Seconds from {@code started} until each group's segments all reach {@code head}. */
    private static Map<String, Double> awaitHead(EventProcessingConfiguration processing, List<String> groups, long head, long started)
            throws InterruptedException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        while (seconds.size() < groups.size()) {
            for (String group : groups) {
                if (!seconds.containsKey(group) && reached(processing, group, head)) {
                    seconds.put(group, (System.nanoTime() - started) / 1e9);
                }
            }
            if ((System.nanoTime() - started) / 1e9 > 1800) {
                throw new IllegalStateException("Not caught up within 30 minutes: " + seconds);
            }
            Thread.sleep(20); // polling a benchmark's progress, not synchronising a test
        }
        return seconds;
    }


    private static boolean reached(EventProcessingConfiguration processing, String group, long head) {
        return processing.eventProcessor(group, StreamingEventProcessor.class).map(processor -> {
            var status = processor.processingStatus();
            return !status.isEmpty() && status.values().stream().map(EventTrackerStatus::getCurrentPosition)
                    .allMatch(position -> position.isPresent() && position.getAsLong() >= head);
        }).orElse(false);
    }
}
