package io.picflow.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded PostgreSQL and Elasticsearch that tests talk to: started lazily, once per test JVM
 * (not per class), stopped when the JVM exits. Each JVM gets fresh data under {@code target/}.
 */
public final class TestServices {

    private static final Path ROOT = Path.of("target", "test-services").toAbsolutePath();
    private static final AtomicInteger databases = new AtomicInteger();
    private static EmbeddedPostgresServer postgres;
    private static ElasticsearchServer elasticsearch;

    private TestServices() {
    }

    public static synchronized EmbeddedPostgresServer postgres() {
        if (postgres == null) {
            Path data = ROOT.resolve("postgres-" + ProcessHandle.current().pid());
            deleteQuietly(data);
            postgres = EmbeddedPostgresServer.start(data, ROOT.resolve("postgres-runtime"), 0, false);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                postgres.close();
                deleteQuietly(data);
            }, "stop-test-postgres"));
        }
        return postgres;
    }

    /** A new, empty database on the shared test server, so that each application context starts clean. */
    public static String newDatabase() {
        String name = "picflow_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        EmbeddedPostgresServer server = postgres();
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/" + name;
    }

    /**
     * The settings an application context under test needs: a fresh database on the shared server,
     * the test JWT secret, and (when asked) the shared Elasticsearch.
     */
    public static Map<String, String> applicationProperties(boolean withElasticsearch) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", newDatabase());
        properties.put("spring.datasource.username", postgres().username());
        properties.put("spring.datasource.password", postgres().password());
        properties.put("picflow.security.jwt-secret", TestTokens.SECRET);
        if (withElasticsearch) {
            properties.put("picflow.elasticsearch.url", elasticsearch().url());
            // Contexts share the Elasticsearch of the test JVM: each gets its own index alias.
            properties.put("picflow.search.alias", "images-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        }
        return properties;
    }

    public static synchronized ElasticsearchServer elasticsearch() {
        if (elasticsearch == null) {
            Path home = ElasticsearchDistribution.pinned()
                    .unpackedInto(Path.of(System.getProperty("user.home"), ".cache", "picflow"));
            Path instance = ROOT.resolve("elasticsearch-" + ProcessHandle.current().pid());
            deleteQuietly(instance);
            elasticsearch = ElasticsearchServer.launch(home, instance, 0, 384);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                elasticsearch.close();
                deleteQuietly(instance);
            }, "stop-test-elasticsearch"));
            elasticsearch.awaitReady(Duration.ofMinutes(2));
        }
        return elasticsearch;
    }

    private static void deleteQuietly(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + directory, e);
        }
    }
}
