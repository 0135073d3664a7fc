package io.picflow.standalone;

import io.picflow.devservices.ElasticsearchDistribution;
import io.picflow.devservices.ElasticsearchServer;
import io.picflow.devservices.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded PostgreSQL or Elasticsearch as a process of its own, for {@code scripts/cluster} (and for developers
 * who run the sides from an IDE against them): it starts the server, writes where it listens into the data
 * directory, and runs until it is stopped (SIGTERM, Ctrl-C), which stops the server too. Started from the standalone
 * jar without Spring:
 * <pre>
 * java -cp picflow-standalone.jar -Dloader.main=io.picflow.standalone.ClusterServices \
 *      org.springframework.boot.loader.launch.PropertiesLauncher postgres --port 15432 --data-dir picflow-cluster
 * </pre>
 * {@code postgres} writes {@code <data-dir>/postgres.properties} ({@code url}, {@code username}, {@code password});
 * {@code elasticsearch} writes {@code <data-dir>/elasticsearch.url} once the node answers.
 */
public final class ClusterServices {

    private ClusterServices() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        String service = args[0];
        int port = 0;
        Path dataDirectory = null;
        int heapMb = 512;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--data-dir" -> dataDirectory = Path.of(args[i + 1]).toAbsolutePath().normalize();
                case "--heap-mb" -> heapMb = Integer.parseInt(args[i + 1]);
                default -> usage();
            }
        }
        if (dataDirectory == null || port <= 0) {
            usage();
        }
        Files.createDirectories(dataDirectory);
        AutoCloseable server = switch (service) {
            case "postgres" -> startPostgres(dataDirectory, port);
            case "elasticsearch" -> startElasticsearch(dataDirectory, port, heapMb);
            default -> {
                usage();
                yield null;
            }
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("Could not stop " + service + " cleanly: " + e);
            } finally {
                stopped.countDown();
            }
        }, "stop-" + service));
        stopped.await();
    }

    private static AutoCloseable startPostgres(Path dataDirectory, int port) throws IOException {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(dataDirectory.resolve("postgres"),
                dataDirectory.resolve(".postgres-runtime"), port, true);
        writeAtomically(dataDirectory.resolve("postgres.properties"), "url=" + postgres.jdbcUrl() + "\nusername="
                + postgres.username() + "\npassword=" + postgres.password() + "\n");
        System.out.println("PostgreSQL ready at " + postgres.jdbcUrl());
        return postgres;
    }

    private static AutoCloseable startElasticsearch(Path dataDirectory, int port, int heapMb) throws IOException {
        Path home = ElasticsearchDistribution.pinned().unpackedInto(Path.of(System.getProperty("user.home"), ".cache", "picflow"));
        Files.deleteIfExists(dataDirectory.resolve("elasticsearch.url"));
        ElasticsearchServer elasticsearch = ElasticsearchServer.launch(home, dataDirectory.resolve("elasticsearch"), port, heapMb, false);
        try {
            elasticsearch.awaitReady(Duration.ofMinutes(3));
        } catch (RuntimeException e) {
            elasticsearch.close();
            throw e;
        }
        writeAtomically(dataDirectory.resolve("elasticsearch.url"), elasticsearch.url() + "\n");
        System.out.println("Elasticsearch ready at " + elasticsearch.url());
        return elasticsearch;
    }

    /** Written aside and renamed: whoever waits for the file never reads half of it. */
    private static void writeAtomically(Path file, String content) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(aside, content, StandardCharsets.UTF_8);
        Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void usage() {
        System.err.println("usage: ClusterServices postgres|elasticsearch --port PORT --data-dir DIR [--heap-mb MB]");
        System.exit(2);
    }
}
