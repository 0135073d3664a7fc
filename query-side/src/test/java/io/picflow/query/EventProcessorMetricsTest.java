package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.devservices.PrometheusScrape;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.json.JsonMapper;

/**
 * Axon's latency and capacity of every query-side event processor on {@code /actuator/prometheus}, and of a
 * rebuild's processor ({@code <group>.rebuild}) while it runs, whose meters go when it ends (docs/operations.md, Metrics).
 */
class EventProcessorMetricsTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    MeterRegistry registry;

    @Test
    void every_processor_reports_its_latency_and_capacity_once_it_has_seen_an_event() {
        assertThat(processing.eventProcessor("users")).containsInstanceOf(PooledStreamingEventProcessor.class);
        List<String> processors = List.copyOf(processing.eventProcessors().keySet());
        assertThat(processors).containsAll(QuerySideConfiguration.ALL_PROCESSING_GROUPS);

        publishUser();
        awaitAllAtHead();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String scrape = scrape();
            for (String processor : processors) {
                assertThat(values(scrape, "eventProcessor_latency", processor)).as("latency of %s in%n%s", processor, axonLines(scrape))
                        .isNotEmpty().allMatch(value -> value >= 0);
                assertThat(values(scrape, "eventProcessor_capacity", processor)).as("capacity of %s in%n%s", processor, axonLines(scrape))
                        .isNotEmpty().allMatch(value -> value >= 0);
            }
            assertThat(values(scrape, "eventProcessor_latency", "users")).isNotEmpty();
            assertThat(values(scrape, "eventProcessor_capacity", "users")).isNotEmpty();
        });
    }

    @Test
    void a_rebuild_processor_is_monitored_while_it_runs_and_its_meters_are_removed_when_it_ends() {
        // The rebuild is over within moments: what its processor registered is recorded as it happens.
        Set<String> registered = ConcurrentHashMap.newKeySet();
        registry.config().onMeterAdded(meter -> {
            if ("users.rebuild".equals(meter.getId().getTag("processorName"))) {
                registered.add(meter.getId().getName());
            }
        });
        publishUser();
        awaitAllAtHead();

        HttpResponse<String> started = api().send("POST", "/api/admin/projections/users/rebuild", TestTokens.admin("ops"),
                HttpRequest.BodyPublishers.noBody());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = json.readTree(started.body()).get("rebuildId").asString();
        await().atMost(Duration.ofSeconds(120)).until(() -> !rebuildState(id).equals("RUNNING"));
        assertThat(rebuildState(id)).isEqualTo("COMPLETED");

        assertThat(registered).contains("eventProcessor.latency", "eventProcessor.capacity");
        assertThat(registry.getMeters()).noneMatch(meter -> "users.rebuild".equals(meter.getId().getTag("processorName")));
        String scrape = scrape();
        assertThat(scrape).doesNotContain("processorName=\"users.rebuild\"");
        assertThat(values(scrape, "eventProcessor_latency", "users")).as("the live processor keeps its own").isNotEmpty();
    }

    private void publishUser() {
        String id = "processor-metrics-" + UUID.randomUUID();
        eventStore.publish(new GenericDomainEventMessage<>("User", "user-" + id, 0, new UserRegistered(id, seal(id, "Metrics")),
                Map.of(MetadataKeys.CORRELATION_ID, "processor-metrics"), UUID.randomUUID().toString(), Instant.now()));
    }

    private String rebuildState(String id) {
        HttpResponse<String> response = api().get("/api/admin/projections/users/rebuild/" + id, TestTokens.admin("ops"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("state").asString();
    }

    private String scrape() {
        HttpResponse<String> response = api().get("/actuator/prometheus", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The values of every series of {@code metric} of {@code processor}. */
    private static List<Double> values(String scrape, String metric, String processor) {
        return new PrometheusScrape(scrape).values(metric, "processorName", processor);
    }

    private static String axonLines(String scrape) {
        return new PrometheusScrape(scrape).linesStartingWith("eventProcessor_");
    }
}
