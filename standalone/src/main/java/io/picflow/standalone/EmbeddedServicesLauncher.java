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
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts what the environment does not provide, before the application context needs it:
 * PostgreSQL unless a database URL is configured, Elasticsearch unless its URL is configured. With
 * the embedded database (the embedded default) it also provides a JWT secret kept in the data
 * directory, unless one is configured; only with that generated secret does it enable
 * {@code POST /api/dev/tokens}. With an external database it is a production-like run and the secret must
 * be configured. The services stop after the context has closed (also on Ctrl-C). PostgreSQL starts before the
 * context (it needs it); Elasticsearch once the application is ready (nothing waits for it).
 */
class EmbeddedServicesLauncher implements ApplicationListener<ApplicationEvent> {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedServicesLauncher.class);

    /** Set when Elasticsearch is to be embedded: run once the application is ready. */
    private volatile Runnable elasticsearchLauncher;

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            provideServices(prepared.getEnvironment());
        } else if (event instanceof ApplicationReadyEvent && elasticsearchLauncher != null) {
            Runnable launch = elasticsearchLauncher;
            elasticsearchLauncher = null;
            Thread launcher = new Thread(() -> {
                try {
                    launch.run();
                } catch (RuntimeException e) {
                    log.error("Could not launch the embedded Elasticsearch: search stays unavailable", e);
                }
            }, "launch-elasticsearch");
            launcher.setDaemon(true);
            launcher.start();
        }
    }

    private static void launchElasticsearch(Path cache, Path dataDirectory, int httpPort, int heapMb) {
        Path home = ElasticsearchDistribution.pinned().unpackedInto(cache);
        ElasticsearchServer elasticsearch = ElasticsearchServer.launch(home, dataDirectory.resolve("elasticsearch"),
                httpPort, heapMb, true);
        SpringApplication.getShutdownHandlers().add(elasticsearch::close);
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

    private static int freePort() {
        try {
            return ElasticsearchServer.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port for the embedded Elasticsearch", e);
        }
    }

    private void provideServices(ConfigurableEnvironment environment) {
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
            int port = environment.getProperty("picflow.embedded.elasticsearch-port", Integer.class, 0);
            int httpPort = port > 0 ? port : freePort();
            provided.put("picflow.elasticsearch.url", "http://127.0.0.1:" + httpPort);
            Path cache = Path.of(environment.getProperty("picflow.embedded.cache-dir",
                    Path.of(System.getProperty("user.home"), ".cache", "picflow").toString()));
            int heapMb = environment.getProperty("picflow.embedded.elasticsearch-heap-mb", Integer.class, 512);
            // Launched once the application is ready: on 2 cores, Elasticsearch's own start-up took about a second
            // of the application's (ADR 0014). Search answers 503, and health DOWN, until it is ready.
            elasticsearchLauncher = () -> launchElasticsearch(cache, dataDirectory, httpPort, heapMb);
        }
        boolean embeddedDatabase = provided.containsKey("spring.datasource.url");
        boolean generatedSecret = embeddedDatabase
                && !configured(environment, "picflow.security.jwt-secret", "PICFLOW_JWT_SECRET");
        if (generatedSecret) {
            provided.put("picflow.security.jwt-secret", secretIn(dataDirectory));
            // The embedded run's dev outbox stands in for the SMS and push providers: those channels work here.
            provided.put("picflow.notifications.available-channels", "in_app,email,sms,push");
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
