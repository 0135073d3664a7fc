import io.picflow.devservices.TestServices;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageProcessed;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.downloads.ImageValidated;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.QuerySideApplication;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.cache.KeyValueCache;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.springframework.boot.builder.SpringApplicationBuilder;
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
        Map<String, String> properties = new HashMap<>(TestServices.applicationProperties(true));
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("logging.level.root", "WARN");

        long head;
        try (ConfigurableApplicationContext seeding = start(properties)) {
            EventStorageEngine storage = seeding.getBean(EventStorageEngine.class);
            List<EventMessage<?>> all = realisticEvents(events);
            long started = System.nanoTime();
            for (int from = 0; from < all.size(); from += 1000) {
                storage.appendEvents(all.subList(from, Math.min(all.size(), from + 1000)));
            }
            System.err.printf("[bench] appended %d events in %.1f s%n", all.size(), (System.nanoTime() - started) / 1e9);
            JdbcClient jdbc = seeding.getBean(JdbcClient.class);
            head = jdbc.sql("SELECT max(global_index) FROM domain_event_entry").query(Long.class).single();
            seeding.getBean(EventProcessingConfiguration.class).eventProcessors().values().forEach(p -> p.shutDown());
            jdbc.sql("TRUNCATE download, image, image_source, live_feed, live_download, user_profile, user_favorite, user_mutual, "
                    + "user_shortlist, user_exclusion, image_favorite, image_search_favorite, query_dead_letter_entry, "
                    + "query_token_entry").update();
        }

        properties.put("picflow.search.alias", "bench-" + System.nanoTime());
        long started = System.nanoTime();
        try (ConfigurableApplicationContext measuring = start(properties)) {
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
            "image-search", List.of("image_search_favorite"),
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

    private static ConfigurableApplicationContext start(Map<String, String> properties) {
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(QuerySideApplication.class).run(arguments);
    }

    private static boolean reached(EventProcessingConfiguration processing, String group, long head) {
        return processing.eventProcessor(group, StreamingEventProcessor.class).map(processor -> {
            var status = processor.processingStatus();
            return !status.isEmpty() && status.values().stream().map(EventTrackerStatus::getCurrentPosition)
                    .allMatch(position -> position.isPresent() && position.getAsLong() >= head);
        }).orElse(false);
    }

    /** About 70 % download events (11 per download, 4 of them progress), the rest social. */
    private static List<EventMessage<?>> realisticEvents(int total) {
        List<EventMessage<?>> events = new ArrayList<>(total);
        Random random = new Random(20261123);
        Instant t = Instant.parse("2026-11-01T00:00:00Z");
        int users = Math.max(10, total / 30);
        List<String> imageIds = new ArrayList<>();
        for (int u = 0; u < users && events.size() < total; u++) {
            add(events, "User", "user-bench-" + u, 0, new UserRegistered("bench-" + u, "User " + u), t = t.plusMillis(5));
        }
        int downloads = 0;
        Map<String, Long> pairSequence = new HashMap<>();
        while (events.size() < total) {
            if (random.nextInt(10) < 7) {
                String id = "dl-" + downloads++;
                String owner = "bench-" + random.nextInt(users);
                String imageId = String.format("%064x", downloads);
                imageIds.add(imageId);
                long size = 10_000 + random.nextInt(5_000_000);
                long s = 0;
                add(events, "ImageDownload", id, s++, new ImageDownloadRequested(id, "https://img.example.com/" + id + ".png",
                        id + ".png", List.of("tag" + random.nextInt(50)), owner), t = t.plusMillis(3));
                add(events, "ImageDownload", id, s++, new ImageFetchStarted(id, 1, 1, 0), t = t.plusMillis(3));
                for (int p = 1; p <= 4; p++) {
                    add(events, "ImageDownload", id, s++, new ImageFetchProgressed(id, 1, size * p / 5, size), t = t.plusMillis(3));
                }
                add(events, "ImageDownload", id, s++, new ImageFetched(id, 1, size, "image/png", imageId), t = t.plusMillis(3));
                add(events, "ImageDownload", id, s++, new ImageValidated(id, 1, "PNG", 800, 600), t = t.plusMillis(3));
                add(events, "ImageDownload", id, s++, new ImageProcessed(id, 1, 256, 192), t = t.plusMillis(3));
                add(events, "ImageDownload", id, s++, new ImageStored(id, imageId, imageId, size, "PNG", "image/png", 800, 600,
                        "https://img.example.com/" + id + ".png", id + ".png", List.of("tag" + random.nextInt(50)), owner),
                        t = t.plusMillis(3));
                add(events, "ImageDownload", id, s, new ImageDownloadCompleted(id, imageId), t = t.plusMillis(3));
            } else if (random.nextBoolean() || imageIds.isEmpty()) {
                int a = random.nextInt(users);
                int b = (a + 1 + random.nextInt(users - 1)) % users;
                String pair = "pair-" + Math.min(a, b) + "-" + Math.max(a, b);
                long s = pairSequence.merge(pair, 1L, Long::sum) - 1;
                add(events, "Relationship", pair, s, new UserFavorited("bench-" + a, "bench-" + b, "bench"), t = t.plusMillis(3));
                if (random.nextInt(5) == 0) {
                    s = pairSequence.merge(pair, 1L, Long::sum) - 1;
                    add(events, "Relationship", pair, s, new MutualFavoriteFormed("bench-" + Math.min(a, b),
                            "bench-" + Math.max(a, b), "bench-" + a), t = t.plusMillis(3));
                }
            } else {
                String user = "bench-" + random.nextInt(users);
                String image = imageIds.get(random.nextInt(imageIds.size()));
                add(events, "ImageFavorite", "fav-" + events.size(), 0, new ImageFavorited(user, image, "bench"),
                        t = t.plusMillis(3));
            }
        }
        return events.subList(0, total);
    }

    private static void add(List<EventMessage<?>> events, String type, String aggregateId, long sequence, Object payload, Instant at) {
        events.add(new GenericDomainEventMessage<>(type, aggregateId, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "bench-" + aggregateId), java.util.UUID.randomUUID().toString(), at));
    }
}
