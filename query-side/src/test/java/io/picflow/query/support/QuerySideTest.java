package io.picflow.query.support;

import static org.awaitility.Awaitility.await;

import io.picflow.events.EncryptedText;
import io.picflow.platform.privacy.PersonalData;
import io.picflow.query.QuerySideConfiguration;
import io.picflow.query.cache.ReadCache;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.beans.factory.annotation.Autowired;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.query.QuerySideApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The query side as it is deployed alone, on a real HTTP port, a fresh database of the shared
 * embedded PostgreSQL and the shared Elasticsearch. Subclasses share one application context.
 */
@SpringBootTest(classes = QuerySideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class QuerySideTest {

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(true).forEach((key, value) -> registry.add(key, () -> value));
    }

    @Autowired
    protected EventStore eventStore;

    @Autowired
    protected EventProcessingConfiguration processing;

    @Autowired
    protected ReadCache readCache;

    @Autowired
    protected PersonalData personalData;

    /** Personal text as the command side puts it in events: encrypted with its owner's key (created if need be). */
    protected EncryptedText seal(String ownerId, String text) {
        return personalData.seal(ownerId, text);
    }

    /** Every query-side processor (the PostgreSQL read models, the search index and the cache) has passed the head of the store. */
    protected void awaitAllAtHead() {
        long head = eventStore.createHeadToken().position().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> QuerySideConfiguration.ALL_PROCESSING_GROUPS.stream().allMatch(group ->
                processing.eventProcessor(group, StreamingEventProcessor.class).map(p -> !p.processingStatus().isEmpty()
                        && p.processingStatus().values().stream().allMatch(s -> s.getCurrentPosition().orElse(-1) >= head)).orElse(false)));
        // Caught up: the cache serves readers (Axon marks a segment caught up once it finds no further event).
        await().atMost(Duration.ofSeconds(10)).until(readCache::ready);
    }

    protected ApiClient api() {
        return ApiClient.onPort(port);
    }

    /** A one-time ticket for {@code /ws} or {@code /ws/admin} ({@code ?ticket=}), issued for this token. */
    protected String wsTicket(String token) {
        HttpResponse<String> response = api().send("POST", "/api/ws-tickets", token, HttpRequest.BodyPublishers.noBody());
        if (response.statusCode() != 201) {
            throw new AssertionError("POST /api/ws-tickets answered " + response.statusCode() + ": " + response.body());
        }
        return JsonMapper.builder().build().readTree(response.body()).get("ticket").asString();
    }
}
