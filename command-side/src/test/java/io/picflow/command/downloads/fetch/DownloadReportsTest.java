package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.command.downloads.DownloadCommands.RecordImageFetched;
import io.picflow.command.downloads.DownloadCommands.RecordImageProcessed;
import io.picflow.command.downloads.DownloadCommands.RecordImageValidated;
import io.picflow.devservices.EmbeddedPostgresServer;
import io.picflow.devservices.TestServices;
import io.picflow.events.MetadataKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The worker's reports through a real Axon command bus whose units of work join Spring transactions on a real
 * PostgreSQL: in order per download, progress coalesced while it waits, the fetch's correlation metadata on every
 * report, reports of different downloads that queued up together committed in one transaction (never two of one
 * download), and a failing report rolled back
 * alone (its savepoint) while the rest of its batch commits.
 */
class DownloadReportsTest {

    private final List<CommandMessage<?>> delivered = new CopyOnWriteArrayList<>();
    /** Holds the first report of download "a" until released, so that the others queue up behind it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch held = new CountDownLatch(1);
    private final JdbcTemplate jdbc;
    private final DownloadReports reports;

    DownloadReportsTest() {
        EmbeddedPostgresServer postgres = TestServices.postgres();
        String url = TestServices.newDatabase();
        DriverManagerDataSource dataSource = new DriverManagerDataSource(url, postgres.username(), postgres.password());
        jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE report_row (download_id text, report text, txid bigint)");
        DataSourceTransactionManager transactions = new DataSourceTransactionManager(dataSource);
        SimpleCommandBus bus = SimpleCommandBus.builder().transactionManager(new SpringTransactionManager(transactions)).build();
        for (Class<?> type : List.of(RecordImageFetched.class, RecordImageValidated.class, RecordImageProcessed.class,
                RecordFetchProgress.class)) {
            bus.subscribe(type.getName(), message -> {
                Object payload = message.getPayload();
                if (payload instanceof RecordImageFetched fetched && fetched.downloadId().equals("a")) {
                    held.countDown();
                    release.await(10, TimeUnit.SECONDS);
                }
                String downloadId = downloadIdOf(payload);
                jdbc.update("INSERT INTO report_row VALUES (?, ?, txid_current())", downloadId, payload.getClass().getSimpleName());
                if (payload instanceof RecordImageProcessed processed && processed.thumbnailWidth() < 0) {
                    throw new IllegalStateException("refused (test)");
                }
                delivered.add(message);
                return null;
            });
        }
        reports = new DownloadReports(DefaultCommandGateway.builder().commandBus(bus).build(), transactions, 1,
                Duration.ofMillis(20), Executors.defaultThreadFactory());
    }

    @AfterEach
    void stop() {
        release.countDown();
        reports.close(Duration.ofSeconds(5));
    }

    @Test
    void reports_arrive_in_order_per_download_and_those_queued_together_commit_together() throws InterruptedException {
        FetchJob a = job("a");
        FetchJob b = job("b");
        reports.send(a, new RecordImageFetched("a", 1, 100, "image/png", "sha"));
        assertThat(held.await(10, TimeUnit.SECONDS)).as("the first report is being handled").isTrue();
        reports.send(a, new RecordImageValidated("a", 1, "PNG", 10, 10));
        reports.sendProgress(a, new RecordFetchProgress("a", 1, 10, 100L));
        reports.sendProgress(a, new RecordFetchProgress("a", 1, 20, 100L));
        reports.send(b, new RecordImageFetched("b", 1, 100, "image/png", "sha"));
        reports.send(a, new RecordImageProcessed("a", 1, -1, 10)); // refused by its handler
        reports.send(b, new RecordImageValidated("b", 1, "PNG", 10, 10));
        reports.send(a, new RecordImageProcessed("a", 1, 10, 10));

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> payloadsOf("a").size() == 4 && payloadsOf("b").size() == 2);
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

        List<Map<String, Object>> rows = jdbc.queryForList("SELECT download_id, report, txid FROM report_row ORDER BY report, download_id");
        assertThat(rows).as("the refused report's row was rolled back with its savepoint").hasSize(6);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM (SELECT txid FROM report_row GROUP BY txid, download_id "
                + "HAVING count(*) > 1) AS repeated", Long.class))
                .as("no transaction carries two reports of one download").isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM (SELECT txid FROM report_row GROUP BY txid "
                + "HAVING count(DISTINCT download_id) = 2) AS shared", Long.class))
                .as("reports of different downloads that queued together share a transaction").isPositive();
    }

    private List<Object> payloadsOf(String downloadId) {
        return delivered.stream().map(CommandMessage::getPayload)
                .filter(payload -> downloadIdOf(payload).equals(downloadId))
                .map(Object.class::cast)
                .toList();
    }

    private static String downloadIdOf(Object payload) {
        String text = payload.toString();
        int start = text.indexOf("downloadId=") + "downloadId=".length();
        return text.substring(start, text.indexOf(',', start));
    }

    private static FetchJob job(String downloadId) {
        return new FetchJob(downloadId, 1, "https://example.com/" + downloadId + ".png", "correlation", "cause", "alice");
    }
}
