package io.picflow.standalone;

import io.picflow.devservices.ElasticsearchDistribution;
import io.picflow.devservices.ElasticsearchServer;
import io.picflow.devservices.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts what the environment does not provide, before the application context needs it:
 * PostgreSQL unless a database URL is configured, Elasticsearch unless its URL is configured. With
 * the embedded database (the embedded default) it also provides a JWT secret kept in the data
 * directory, unless one is configured; only with that generated secret does it enable
 * {@code POST /api/dev/tokens}. With an external database it is a production-like run and the secret must
 * be configured. The services stop after the context has closed (also on Ctrl-C).
 */
class EmbeddedServicesLauncher implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedServicesLauncher.class);

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment environment = event.getEnvironment();
        Path dataDirectory = Path.of(environment.getProperty("picflow.data-dir",
                environment.getProperty("PICFLOW_DATA_DIR", "picflow-data"))).toAbsolutePath().normalize();
        Map<String, Object> provided = new HashMap<>();
        provided.put("picflow.data-dir", dataDirectory.toString());

        if (!configured(environment, "spring.datasource.url", "PICFLOW_DB_URL")) {
            EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(dataDirectory.resolve("postgres"),
                    dataDirectory.resolve(".postgres-runtime"),
                    environment.getProperty("picflow.embedded.postgres-port", Integer.class, 0), true);
            SpringApplication.getShutdownHandlers().add(postgres::close);
            provided.put("spring.datasource.url", postgres.jdbcUrl());
            provided.put("spring.datasource.username", postgres.username());
            provided.put("spring.datasource.password", postgres.password());
        }
        if (!configured(environment, "picflow.elasticsearch.url", "PICFLOW_ELASTICSEARCH_URL")) {
            Path cache = Path.of(environment.getProperty("picflow.embedded.cache-dir",
                    Path.of(System.getProperty("user.home"), ".cache", "picflow").toString()));
            Path home = ElasticsearchDistribution.pinned().unpackedInto(cache);
            ElasticsearchServer elasticsearch = ElasticsearchServer.launch(home, dataDirectory.resolve("elasticsearch"),
                    environment.getProperty("picflow.embedded.elasticsearch-port", Integer.class, 0),
                    environment.getProperty("picflow.embedded.elasticsearch-heap-mb", Integer.class, 512), true);
            SpringApplication.getShutdownHandlers().add(elasticsearch::close);
            provided.put("picflow.elasticsearch.url", elasticsearch.url());
            // Start-up does not wait for it: health reports it DOWN until it is ready.
            Thread awaitReady = new Thread(() -> {
                try {
                    elasticsearch.awaitReady(Duration.ofMinutes(3));
                    log.info("Embedded Elasticsearch ready at {}", elasticsearch.url());
                } catch (RuntimeException e) {
                    log.error("Embedded Elasticsearch did not start", e);
                }
            }, "await-elasticsearch");
            awaitReady.setDaemon(true);
            awaitReady.start();
        }
        boolean embeddedDatabase = provided.containsKey("spring.datasource.url");
        boolean generatedSecret = embeddedDatabase
                && !configured(environment, "picflow.security.jwt-secret", "PICFLOW_JWT_SECRET");
        if (generatedSecret) {
            provided.put("picflow.security.jwt-secret", secretIn(dataDirectory));
        }
        // Last: anything the user configured (arguments, environment, application.yml) still wins.
        environment.getPropertySources().addLast(new MapPropertySource("picflow-embedded-services", provided));
        // First, so that no other setting overrides it: dev tokens only with the secret generated here. A
        // configured secret is shared with a real token issuer, and the endpoint would sign anything with it.
        environment.getPropertySources().addFirst(new MapPropertySource("picflow-embedded-dev-tokens",
                Map.of("picflow.security.dev-tokens", Boolean.toString(generatedSecret))));
    }

    private static boolean configured(ConfigurableEnvironment environment, String property, String variable) {
        String value = environment.getProperty(property);
        String fromVariable = environment.getProperty(variable);
        return (value != null && !value.isBlank()) || (fromVariable != null && !fromVariable.isBlank());
    }

    /** The embedded run's JWT secret: generated once, kept (owner-only) with the data it protects. */
    private static String secretIn(Path dataDirectory) {
        Path file = dataDirectory.resolve("jwt-secret");
        try {
            if (!Files.isRegularFile(file)) {
                Files.createDirectories(dataDirectory);
                byte[] random = new byte[48];
                new SecureRandom().nextBytes(random);
                Path partial = Files.createTempFile(dataDirectory, "jwt-secret", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(partial, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
                Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create the JWT secret in " + file, e);
        }
    }
}
