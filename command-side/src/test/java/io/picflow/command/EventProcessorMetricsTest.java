package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.support.CommandSideTest;
import io.picflow.devservices.PrometheusScrape;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Axon's latency and capacity of every command-side event processor, the download process manager's (a tracking
 * processor) included, on {@code /actuator/prometheus} (docs/operations.md, Metrics).
 */
class EventProcessorMetricsTest extends CommandSideTest {

    private static final String PROCESS_MANAGER = "ImageDownloadProcessProcessor";

    @Autowired
    EventProcessingConfiguration processing;

    @Test
    void every_processor_reports_its_latency_and_capacity_once_it_has_seen_an_event() {
        assertThat(processing.eventProcessor(PROCESS_MANAGER)).containsInstanceOf(PooledStreamingEventProcessor.class);
        List<String> processors = List.copyOf(processing.eventProcessors().keySet());

        // Its events go through every processor; an address the fetch refuses before connecting ends the download soon.
        HttpResponse<String> response = api().postJson("/api/downloads", TestTokens.user("processor-metrics"),
                "{\"url\":\"http://127.0.0.1:" + port + "/processor-metrics.png\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String scrape = api().get("/actuator/prometheus", null).body();
            for (String processor : processors) {
                assertThat(values(scrape, "eventProcessor_latency", processor)).as("latency of %s in%n%s", processor, axonLines(scrape))
                        .isNotEmpty().allMatch(value -> value >= 0);
                assertThat(values(scrape, "eventProcessor_capacity", processor)).as("capacity of %s in%n%s", processor, axonLines(scrape))
                        .isNotEmpty().allMatch(value -> value >= 0);
            }
            assertThat(values(scrape, "eventProcessor_latency", PROCESS_MANAGER)).isNotEmpty();
            assertThat(values(scrape, "eventProcessor_capacity", PROCESS_MANAGER)).isNotEmpty();
        });
    }

    /** The values of every series of {@code metric} of {@code processor}. */
    private static List<Double> values(String scrape, String metric, String processor) {
        return new PrometheusScrape(scrape).values(metric, "processorName", processor);
    }

    private static String axonLines(String scrape) {
        return new PrometheusScrape(scrape).linesStartingWith("eventProcessor_");
    }
}
