package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.FetchJob;
import io.picflow.command.downloads.fetch.FetchState;
import io.picflow.command.downloads.fetch.FetchWorker;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchStarted;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.axonframework.test.deadline.StubDeadlineManager;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The process manager as given/when/then specifications, deadlines included. */
class ImageDownloadProcessTest {

    private static final String ID = "d-1";
    private static final Duration OVERALL = Duration.ofMinutes(10);
    private static final Duration MARGIN = Duration.ofMinutes(2);
    private static final Duration STALE = Duration.ofSeconds(30);
    private static final ImageDownloadRequested REQUESTED =
            new ImageDownloadRequested(ID, "https://example.com/cat.png", null, List.of(), "alice");

    private SagaTestFixture<ImageDownloadProcess> fixture;
    private final RecordingWorker worker = new RecordingWorker();

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(ImageDownloadProcess.class);
        fixture.registerResource(worker);
        fixture.registerResource(new DownloadsProperties(Path.of("unused"), false, 0, 0, 0, null, null, OVERALL, null,
                0, 0, MARGIN, 0, 0, 0, 0, null, STALE));
        fixture.registerResource(new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return deadlineTime();
            }
        });
    }

    @Test
    void a_request_starts_the_process_without_a_command_since_the_request_started_the_first_fetch() {
        fixture.givenNoPriorActivity()
                .whenAggregate(ID).publishes(REQUESTED)
                .expectActiveSagas(1)
                .expectNoDispatchedCommands();
    }

    @Test
    void a_started_fetch_goes_to_the_worker_under_a_watchdog_that_first_looks_once_a_heartbeat_would_be_stale() {
        fixture.givenAggregate(ID).published(REQUESTED)
                .whenAggregate(ID).publishes(new ImageFetchStarted(ID, 1, 1, 0))
                .expectScheduledDeadlineWithName(STALE, ImageDownloadProcess.WATCHDOG);
        assertThat(worker.started).singleElement().satisfies(job -> {
            assertThat(job.downloadId()).isEqualTo(ID);
            assertThat(job.fetch()).isEqualTo(1);
            assertThat(job.url()).isEqualTo("https://example.com/cat.png");
            assertThat(job.userId()).isEqualTo("alice");
        });
    }

    @Test
    void a_fetch_nobody_has_is_stopped_and_expired_when_the_watchdog_looks() {
        worker.states = now -> FetchState.LOST; // e.g. its node died before it published the fetch
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeElapses(STALE)
                .expectDeadlinesMet(new ImageDownloadProcess.Watchdog(1, 0))
                .expectDispatchedCommands(new ExpireFetch(ID, 1));
        assertThat(worker.paused).containsExactly(ID);
    }

    @Test
    void a_queued_fetch_is_never_expired_however_long_it_waits_for_a_slot() {
        worker.states = now -> FetchState.QUEUED;
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeElapses(STALE.plus(OVERALL.plus(MARGIN).multipliedBy(10)))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(OVERALL.plus(MARGIN), ImageDownloadProcess.WATCHDOG);
        assertThat(worker.paused).isEmpty();
    }

    @Test
    void a_fetch_that_queued_for_40_minutes_then_ran_is_not_expired_before_it_has_run_for_the_whole_cap() {
        Instant cap = queuedFortyMinutesThenRunning();
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeAdvancesTo(cap.minusSeconds(1))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(cap, ImageDownloadProcess.WATCHDOG);
        assertThat(worker.paused).isEmpty();
    }

    @Test
    void a_fetch_that_queued_for_40_minutes_then_ran_is_expired_once_it_has_run_for_the_whole_cap() {
        Instant cap = queuedFortyMinutesThenRunning();
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .whenTimeAdvancesTo(cap)
                .expectDispatchedCommands(new ExpireFetch(ID, 1));
        assertThat(worker.paused).containsExactly(ID);
    }

    /** The worker reports the fetch queued for 40 minutes, then running; returns when its running time hits the cap. */
    private Instant queuedFortyMinutesThenRunning() {
        Instant gotASlot = fixture.currentTime().plus(Duration.ofMinutes(40));
        worker.states = now -> now.isBefore(gotASlot) ? FetchState.QUEUED : FetchState.runningSince(gotASlot);
        return gotASlot.plus(OVERALL).plus(MARGIN);
    }

    @Test
    void a_resume_whose_start_fails_is_started_again_by_its_start_check() {
        fixture.setCallbackBehavior((payload, metaData) -> {
            throw new IllegalStateException("the command bus lost the race"); // every StartImageFetch fails
        });
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0), new ImageDownloadPaused(ID, "alice"),
                        new ImageDownloadResumed(ID, "alice"))
                .whenTimeElapses(STALE)
                .expectDispatchedCommands(new StartImageFetch(ID))
                .expectScheduledDeadlineWithName(STALE, ImageDownloadProcess.START_CHECK);
    }

    @Test
    void a_due_retry_whose_start_fails_is_started_again_and_a_started_fetch_disarms_the_check() throws Exception {
        fixture.setCallbackBehavior((payload, metaData) -> {
            throw new IllegalStateException("the database is down");
        });
        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0))
                .andThenAggregate(ID).published(new ImageDownloadRetryScheduled(ID, 2,
                        fixture.currentTime().plusSeconds(5), "SERVER_ERROR", "503"))
                .whenTimeElapses(Duration.ofSeconds(5).plus(STALE))
                .expectDispatchedCommands(new StartImageFetch(ID), new StartImageFetch(ID)); // the retry, then the check

        fixture.givenAggregate(ID).published(REQUESTED, new ImageFetchStarted(ID, 1, 1, 0), new ImageDownloadPaused(ID, "alice"),
                        new ImageDownloadResumed(ID, "alice"))
                .whenAggregate(ID).publishes(new ImageFetchStarted(ID, 1, 2, 100))
                .expectScheduledDeadlineWithName(STALE, ImageDownloadProcess.WATCHDOG)
                .expectNoScheduledDeadlineMatching(org.hamcrest.Matchers.hasProperty("deadlineName",
                        org.hamcrest.Matchers.equalTo(ImageDownloadProcess.START_CHECK)));
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

    /**
     * The time of the fixture's deadline manager, which is the time of the deadline being handled (the fixture's
     * {@code currentTime()} is its event scheduler's, which moves on only after all deadlines are handled).
     */
    private Instant deadlineTime() {
        try {
            Field manager = SagaTestFixture.class.getDeclaredField("deadlineManager");
            manager.setAccessible(true);
            return ((StubDeadlineManager) manager.get(fixture)).getCurrentDateTime();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records what the process asks of the worker; the real worker is tested against real HTTP servers. */
    final class RecordingWorker implements FetchWorker {
        final List<FetchJob> started = new ArrayList<>();
        final List<String> paused = new ArrayList<>();
        final List<String> discarded = new ArrayList<>();
        Function<Instant, FetchState> states = now -> FetchState.LOST;

        @Override
        public FetchState stateOf(String downloadId, int fetch) {
            return states.apply(deadlineTime());
        }

        @Override
        public void start(FetchJob job) {
            started.add(job);
        }

        @Override
        public void pause(String downloadId, int upToFetch) {
            paused.add(downloadId);
        }

        @Override
        public void discard(String downloadId, int upToFetch) {
            discarded.add(downloadId);
        }
    }
}
