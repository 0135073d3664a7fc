package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.command.downloads.DownloadCommands.RecordImageFetched;
import io.picflow.command.downloads.DownloadCommands.RecordImageProcessed;
import io.picflow.command.downloads.DownloadCommands.RecordImageValidated;
import io.picflow.events.MetadataKeys;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's reports through a real Axon command bus: in order per download whatever the number of
 * reporting threads, a slow report of one download does not hold up the others, progress is coalesced
 * while it waits, and every report carries the fetch's correlation metadata.
 */
class DownloadReportsTest {

    private final ExecutorService reporters = Executors.newFixedThreadPool(4);
    private final List<CommandMessage<?>> delivered = new CopyOnWriteArrayList<>();
    /** Holds the first report of download "a" until released. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final DownloadReports reports;

    DownloadReportsTest() {
        SimpleCommandBus bus = SimpleCommandBus.builder().build();
        for (Class<?> type : List.of(RecordImageFetched.class, RecordImageValidated.class, RecordImageProcessed.class,
                RecordFetchProgress.class)) {
            bus.subscribe(type.getName(), message -> {
                if (message.getPayload() instanceof RecordImageFetched fetched && fetched.downloadId().equals("a")) {
                    release.await(10, TimeUnit.SECONDS);
                }
                delivered.add(message);
                return null;
            });
        }
        reports = new DownloadReports(DefaultCommandGateway.builder().commandBus(bus).build(), reporters);
    }

    @AfterEach
    void stop() {
        release.countDown();
        reporters.shutdownNow();
    }

    @Test
    void each_downloads_reports_arrive_in_order_and_a_slow_one_holds_up_only_its_own_download() {
        FetchJob a = job("a");
        FetchJob b = job("b");
        reports.send(a, new RecordImageFetched("a", 1, 100, "image/png", "sha"));
        reports.send(a, new RecordImageValidated("a", 1, "PNG", 10, 10));
        reports.sendProgress(a, new RecordFetchProgress("a", 1, 10, 100L));
        reports.sendProgress(a, new RecordFetchProgress("a", 1, 20, 100L));
        reports.send(a, new RecordImageProcessed("a", 1, 10, 10));
        reports.send(b, new RecordImageFetched("b", 1, 100, "image/png", "sha"));
        reports.send(b, new RecordImageValidated("b", 1, "PNG", 10, 10));

        await().atMost(Duration.ofSeconds(10)).until(() -> payloadsOf("b").size() == 2);
        assertThat(payloadsOf("a")).as("a waits behind its first report, which is held").isEmpty();

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> payloadsOf("a").size() == 4);
        assertThat(payloadsOf("a")).containsExactly(
                new RecordImageFetched("a", 1, 100, "image/png", "sha"),
                new RecordImageValidated("a", 1, "PNG", 10, 10),
                new RecordFetchProgress("a", 1, 20, 100L), // the newer progress replaced the waiting one
                new RecordImageProcessed("a", 1, 10, 10));
        assertThat(payloadsOf("b")).containsExactly(
                new RecordImageFetched("b", 1, 100, "image/png", "sha"),
                new RecordImageValidated("b", 1, "PNG", 10, 10));
        assertThat(delivered).allSatisfy(message -> assertThat(message.getMetaData())
                .containsEntry(MetadataKeys.CORRELATION_ID, "correlation")
                .containsEntry(MetadataKeys.CAUSATION_ID, "cause")
                .containsEntry(MetadataKeys.USER_ID, "alice"));
    }

    private List<Object> payloadsOf(String downloadId) {
        return delivered.stream().map(CommandMessage::getPayload)
                .filter(payload -> payload.toString().contains("downloadId=" + downloadId + ","))
                .map(Object.class::cast)
                .toList();
    }

    private static FetchJob job(String downloadId) {
        return new FetchJob(downloadId, 1, "https://example.com/" + downloadId + ".png", "correlation", "cause", "alice");
    }
}
