package io.picflow.query.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.ElasticsearchDistribution;
import io.picflow.devservices.ElasticsearchServer;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageStored;
import io.picflow.query.QuerySideApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Elasticsearch really stopped and started again (a node of its own, not the shared one): search answers
 * 503, the rest of the service keeps working, nothing is dead-lettered, and the index catches up.
 */
@SpringBootTest(classes = QuerySideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ElasticsearchOutageTest {

    private static final Path HOME = ElasticsearchDistribution.pinned()
            .unpackedInto(Path.of(System.getProperty("user.home"), ".cache", "picflow"));
    private static final Path INSTANCE = Path.of("target", "test-services", "elasticsearch-outage-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    private static final int PORT = freePort();
    private static ElasticsearchServer elasticsearch = start();

    @LocalServerPort
    int port;

    @Autowired
    EventStore eventStore;

    @Autowired
    JdbcClient jdbc;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
        registry.add("picflow.elasticsearch.url", elasticsearch::url);
    }

    @AfterAll
    static void stop() {
        elasticsearch.close();
    }

    @Test
    void while_elasticsearch_is_down_search_is_503_the_rest_works_and_afterwards_the_index_catches_up() {
        ApiClient api = ApiClient.onPort(port);
        String token = TestTokens.user("watcher");
        String before = stored("before-outage.png");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> api.get("/api/images?q=before", token).body().contains(before));

        elasticsearch.close();
        var unavailable = api.get("/api/images?q=before", token);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(unavailable.body()).contains("Search is unavailable");

        String during = stored("during-outage.png");
        String downloadId = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", downloadId, 0,
                new ImageDownloadRequested(downloadId, "https://example.com/x.png", null, List.of(), "watcher"),
                Map.of(MetadataKeys.CORRELATION_ID, "outage"), UUID.randomUUID().toString(), Instant.now()));
        assertThat(api.get("/api/downloads/" + downloadId, token).statusCode()).isEqualTo(200); // other read models go on
        await().atMost(Duration.ofSeconds(15)).until(() -> api.get("/api/images/" + during, token).statusCode() == 200);

        elasticsearch = start();
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> api.get("/api/images?q=during", token).body().contains(during));
        assertThat(api.get("/api/images?q=outage", token).body()).contains(before).contains(during);
        assertThat(jdbc.sql("SELECT count(*) FROM query_dead_letter_entry WHERE processing_group = 'image-search'")
                .query(Long.class).single()).isZero();
    }

    private String stored(String fileName) {
        String imageId = UUID.randomUUID().toString().replace("-", "").repeat(2);
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", UUID.randomUUID().toString(), 0,
                new ImageStored(UUID.randomUUID().toString(), imageId, imageId, 10, "PNG", "image/png", 1, 1, "https://example.com/" + fileName,
                        fileName, List.of("outage"), "watcher"),
                Map.of(MetadataKeys.CORRELATION_ID, "outage"), UUID.randomUUID().toString(), Instant.now()));
        return imageId;
    }

    private static ElasticsearchServer start() {
        return ElasticsearchServer.launch(HOME, INSTANCE, PORT, 384).awaitReady(Duration.ofMinutes(2));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
