package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.FetchJob;
import io.picflow.command.downloads.fetch.FetchWorker;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchStarted;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The process manager as given/when/then specifications, deadlines included. */
class ImageDownloadProcessTest {

    private static final String ID = "d-1";
    private static final Duration OVERALL = Duration.ofMinutes(10);
    private static final Duration MARGIN = Duration.ofMinutes(2);
    private static final ImageDownloadRequested REQUESTED =
            new ImageDownloadRequested(ID, "https://example.com/cat.png", null, List.of(), "alice");

    private SagaTestFixture<ImageDownloadProcess> fixture;
    private final RecordingWorker worker = new RecordingWorker();

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(ImageDownloadProcess.class);
        fixture.registerResource(worker);
        fixture.registerResource(new DownloadsProperties(Path.of("unused"), false, 0, 0, 0, null, null, OVERALL, null,
                0, 0, MARGIN, 0, 0, 0, 0));
    }

    @Test
    void a_request_starts_the_process_without_a_command_since_the_request_started_the_first_fetch() {
        fixture.givenNoPriorActivity()
                .whenAggregate(ID).publishes(REQUESTED)
                .expectActiveSagas(1)
                .expectNoDispatchedCommands();
    }

    @Test
    void a_started_fetch_goes_to_the_worker_under_a_watchdog() {
        fixture.givenAggregate(ID).published(REQUESTED)
                .whenAggregate(ID).publishes(new ImageFetchStarted(ID, 1, 1, 0))
                .expectScheduledDeadlineWithName(OVERALL.plus(MARGIN), ImageDownloadProcess.WATCHDOG);
        assertThat(worker.started).singleElement().satisfies(job -> {
            assertThat(job.downloadId()).isEqualTo(ID);
            assertThat(job.fetch()).isEqualTo(1);
            assertThat(job.url()).isEqualTo("https://example.com/cat.png");
            assertThat(job.userId()).isEqualTo("alice");
        });
    }

    @Test
    void when_the_watchdog_fires_the_lost_fetch_is_stopped_and_reported() {
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeElapses(OVERALL.plus(MARGIN))
                .expectDeadlinesMet(new ImageDownloadProcess.Watchdog(1, 0))
                .expectDispatchedCommands(new ExpireFetch(ID, 1));
        assertThat(worker.paused).containsExactly(ID);
    }

    @Test
    void the_watchdog_looks_again_later_while_this_node_still_works_on_the_fetch() {
        worker.working = true; // e.g. queued behind the concurrency limits
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeElapses(OVERALL.plus(MARGIN))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(OVERALL.plus(MARGIN), ImageDownloadProcess.WATCHDOG);
        assertThat(worker.paused).isEmpty();
    }

    @Test
    void a_scheduled_retry_starts_the_next_fetch_when_it_is_due() {
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .andThenAggregate(ID).published(new ImageDownloadRetryScheduled(ID, 2,
                        fixture.currentTime().plusSeconds(30), "SERVER_ERROR", "503"))
                .whenTimeElapses(Duration.ofSeconds(30))
                .expectDeadlinesMetMatching(org.axonframework.test.matchers.Matchers.listWithAnyOf(
                        org.axonframework.test.matchers.Matchers.messageWithPayload(org.hamcrest.Matchers.anything())))
                .expectDispatchedCommands(new StartImageFetch(ID));
    }

    @Test
    void completion_ends_the_process_and_disarms_the_watchdog() {
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenAggregate(ID).publishes(new ImageDownloadCompleted(ID, "img"))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines();
    }

    @Test
    void pause_stops_the_worker_and_resume_starts_a_fetch_again() {
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenAggregate(ID).publishes(new ImageDownloadPaused(ID, "alice"))
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
        assertThat(worker.paused).containsExactly(ID);

        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0), new ImageDownloadPaused(ID, "alice"))
                .whenAggregate(ID).publishes(new ImageDownloadResumed(ID, "alice"))
                .expectDispatchedCommands(new StartImageFetch(ID));
    }

    @Test
    void cancel_discards_the_partial_data_and_ends_the_process() {
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenAggregate(ID).publishes(new ImageDownloadCancelled(ID, "alice", ImageDownloadCancelled.USER))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines();
        assertThat(worker.discarded).containsExactly(ID);
    }

    /** Records what the process asks of the worker; the real worker is tested against real HTTP servers. */
    static final class RecordingWorker implements FetchWorker {
        final List<FetchJob> started = new ArrayList<>();
        final List<String> paused = new ArrayList<>();
        final List<String> discarded = new ArrayList<>();
        boolean working;

        @Override
        public boolean isWorkingOn(String downloadId, int fetch) {
            return working;
        }

        @Override
        public void start(FetchJob job) {
            started.add(job);
        }

        @Override
        public void pause(String downloadId) {
            paused.add(downloadId);
        }

        @Override
        public void discard(String downloadId) {
            discarded.add(downloadId);
        }
    }
}
