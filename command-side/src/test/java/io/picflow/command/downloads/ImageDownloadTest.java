package io.picflow.command.downloads;

import io.picflow.command.downloads.DownloadCommands.CancelImageDownload;
import io.picflow.command.downloads.DownloadCommands.ExpireFetch;
import io.picflow.command.downloads.DownloadCommands.PauseImageDownload;
import io.picflow.command.downloads.DownloadCommands.RecordFetchFailure;
import io.picflow.command.downloads.DownloadCommands.RecordFetchProgress;
import io.picflow.command.downloads.DownloadCommands.RecordImageFetched;
import io.picflow.command.downloads.DownloadCommands.RecordImageProcessed;
import io.picflow.command.downloads.DownloadCommands.RecordImageStored;
import io.picflow.command.downloads.DownloadCommands.RecordImageValidated;
import io.picflow.command.downloads.DownloadCommands.ResumeImageDownload;
import io.picflow.command.downloads.DownloadCommands.RetryImageDownload;
import io.picflow.command.downloads.DownloadCommands.StartImageFetch;
import io.picflow.command.downloads.DownloadExceptions.DownloadNotFound;
import io.picflow.command.downloads.DownloadExceptions.TransitionNotAllowed;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.downloads.ImageDownloadPaused;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageDownloadResumed;
import io.picflow.events.downloads.ImageDownloadRetryScheduled;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.downloads.ImageFetchStarted;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.events.downloads.ImageProcessed;
import io.picflow.events.downloads.ImageStored;
import io.picflow.events.downloads.ImageValidated;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The download state machine, as given/when/then specifications. */
class ImageDownloadTest {

    private static final Instant NOW = Instant.parse("2026-05-01T10:00:00Z");
    private static final String ID = "d-1";
    private static final ImageDownloadRequested REQUESTED =
            new ImageDownloadRequested(ID, "https://example.com/cat.png", "cat.png", List.of("cats"), "alice");
    private static final ImageFetchStarted STARTED = new ImageFetchStarted(ID, 1, 1, 0);

    private AggregateTestFixture<ImageDownload> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(ImageDownload.class);
        // Jitter fixed at its maximum so that delays are predictable: 1 s, 2 s, 4 s, ... capped at 5 min.
        fixture.registerInjectableResource(new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofMinutes(5), () -> 1.0));
        fixture.registerInjectableResource(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void requesting_a_download_records_who_asked_for_which_url_and_starts_its_first_fetch() {
        fixture.givenNoPriorActivity()
                .when(new RequestImageDownload(ID, "https://example.com/cat.png", "cat.png", List.of("cats"), "alice"))
                .expectEvents(REQUESTED, STARTED)
                .expectState(download -> require(download.status() == DownloadStatus.FETCHING));
    }

    @Test
    void a_late_start_of_a_download_that_is_fetching_changes_nothing() {
        fixture.given(REQUESTED, STARTED).when(new StartImageFetch(ID)).expectSuccessfulHandlerExecution().expectNoEvents();
    }

    @Test
    void missing_tags_become_an_empty_list_in_the_event() {
        fixture.givenNoPriorActivity()
                .when(new RequestImageDownload("d-2", "https://example.com/dog.png", null, null, "bob"))
                .expectEvents(new ImageDownloadRequested("d-2", "https://example.com/dog.png", null, List.of(), "bob"),
                        new ImageFetchStarted("d-2", 1, 1, 0));
    }

    @Test
    void the_happy_path_goes_through_every_stage_to_completed() {
        fixture.given(REQUESTED).when(new StartImageFetch(ID)).expectEvents(STARTED);
        fixture.given(REQUESTED, STARTED).when(new RecordFetchProgress(ID, 1, 500, 1000L))
                .expectEvents(new ImageFetchProgressed(ID, 1, 500, 1000L));
        fixture.given(REQUESTED, STARTED).when(new RecordImageFetched(ID, 1, 1000, "image/png", "ab12"))
                .expectEvents(new ImageFetched(ID, 1, 1000, "image/png", "ab12"));
        ImageFetched fetched = new ImageFetched(ID, 1, 1000, "image/png", "ab12");
        fixture.given(REQUESTED, STARTED, fetched).when(new RecordImageValidated(ID, 1, "PNG", 640, 480))
                .expectEvents(new ImageValidated(ID, 1, "PNG", 640, 480));
        ImageValidated validated = new ImageValidated(ID, 1, "PNG", 640, 480);
        fixture.given(REQUESTED, STARTED, fetched, validated).when(new RecordImageProcessed(ID, 1, 256, 192))
                .expectEvents(new ImageProcessed(ID, 1, 256, 192));
        fixture.given(REQUESTED, STARTED, fetched, validated, new ImageProcessed(ID, 1, 256, 192))
                .when(new RecordImageStored(ID, 1, "img-ab12", "ab12", 1000, "PNG", "image/png", 640, 480))
                .expectEvents(
                        new ImageStored(ID, "img-ab12", "ab12", 1000, "PNG", "image/png", 640, 480,
                                "https://example.com/cat.png", "cat.png", List.of("cats"), "alice"),
                        new ImageDownloadCompleted(ID, "img-ab12"))
                .expectState(download -> require(download.status() == DownloadStatus.COMPLETED));
    }

    @Test
    void a_transient_failure_schedules_a_retry_with_backoff_and_the_retry_starts_attempt_two() {
        fixture.given(REQUESTED, STARTED)
                .when(new RecordFetchFailure(ID, 1, "SERVER_ERROR", "503 from server", true, null))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 2, NOW.plusSeconds(1), "SERVER_ERROR", "503 from server"));
        fixture.given(REQUESTED, STARTED, new ImageDownloadRetryScheduled(ID, 2, NOW.plusSeconds(1), "SERVER_ERROR", "x"))
                .when(new StartImageFetch(ID))
                .expectEvents(new ImageFetchStarted(ID, 2, 2, 0));
    }

    @Test
    void retry_after_is_honoured_up_to_the_cap() {
        fixture.given(REQUESTED, STARTED)
                .when(new RecordFetchFailure(ID, 1, "RATE_LIMITED", "429", true, Duration.ofSeconds(42)))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 2, NOW.plusSeconds(42), "RATE_LIMITED", "429"));
        fixture.given(REQUESTED, STARTED)
                .when(new RecordFetchFailure(ID, 1, "RATE_LIMITED", "429", true, Duration.ofHours(3)))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 2, NOW.plus(Duration.ofMinutes(5)), "RATE_LIMITED", "429"));
    }

    @Test
    void the_last_attempt_fails_for_good_and_a_permanent_error_fails_at_once() {
        fixture.given(REQUESTED, STARTED,
                        new ImageDownloadRetryScheduled(ID, 2, NOW, "SERVER_ERROR", "x"), new ImageFetchStarted(ID, 2, 2, 0),
                        new ImageDownloadRetryScheduled(ID, 3, NOW, "SERVER_ERROR", "x"), new ImageFetchStarted(ID, 3, 3, 0))
                .when(new RecordFetchFailure(ID, 3, "SERVER_ERROR", "503", true, null))
                .expectEvents(new ImageDownloadFailed(ID, "SERVER_ERROR", "503", true, 3));
        fixture.given(REQUESTED, STARTED)
                .when(new RecordFetchFailure(ID, 1, "UNSUPPORTED_FORMAT", "text/html", false, null))
                .expectEvents(new ImageDownloadFailed(ID, "UNSUPPORTED_FORMAT", "text/html", false, 1));
    }

    @Test
    void reports_of_an_abandoned_fetch_change_nothing() {
        // Paused and resumed: fetch 2 runs; the old worker's late reports for fetch 1 are ignored.
        fixture.given(REQUESTED, STARTED, new ImageDownloadPaused(ID, "alice"), new ImageDownloadResumed(ID, "alice"),
                        new ImageFetchStarted(ID, 1, 2, 0))
                .when(new RecordImageFetched(ID, 1, 1000, "image/png", "ab12"))
                .expectNoEvents();
        fixture.given(REQUESTED, STARTED, new ImageDownloadCancelled(ID, "alice", ImageDownloadCancelled.USER))
                .when(new RecordFetchFailure(ID, 1, "SERVER_ERROR", "503", true, null))
                .expectNoEvents();
    }

    @Test
    void the_watchdog_retries_a_fetch_whose_worker_was_lost_but_not_a_finished_one() {
        fixture.given(REQUESTED, STARTED)
                .when(new ExpireFetch(ID, 1))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 2, NOW.plusSeconds(1), "WORKER_LOST",
                        "Attempt 1 did not finish in time"));
        fixture.given(REQUESTED, STARTED, new ImageDownloadFailed(ID, "SERVER_ERROR", "503", true, 1))
                .when(new ExpireFetch(ID, 1))
                .expectNoEvents();
    }

    @Test
    void pause_and_resume_continue_the_same_attempt_from_the_bytes_received() {
        fixture.given(REQUESTED, STARTED, new ImageFetchProgressed(ID, 1, 4096, 10000L))
                .when(new PauseImageDownload(ID, "alice", false))
                .expectEvents(new ImageDownloadPaused(ID, "alice"));
        fixture.given(REQUESTED, STARTED, new ImageFetchProgressed(ID, 1, 4096, 10000L), new ImageDownloadPaused(ID, "alice"))
                .when(new ResumeImageDownload(ID, "alice", false))
                .expectEvents(new ImageDownloadResumed(ID, "alice"));
        fixture.given(REQUESTED, STARTED, new ImageFetchProgressed(ID, 1, 4096, 10000L), new ImageDownloadPaused(ID, "alice"),
                        new ImageDownloadResumed(ID, "alice"))
                .when(new StartImageFetch(ID))
                .expectEvents(new ImageFetchStarted(ID, 1, 2, 4096));
    }

    @Test
    void a_paused_download_ignores_its_retry_deadline_and_pausing_twice_changes_nothing() {
        fixture.given(REQUESTED, new ImageDownloadPaused(ID, "alice")).when(new StartImageFetch(ID)).expectNoEvents();
        fixture.given(REQUESTED, new ImageDownloadPaused(ID, "alice"))
                .when(new PauseImageDownload(ID, "alice", false)).expectSuccessfulHandlerExecution().expectNoEvents();
    }

    @Test
    void transitions_that_make_no_sense_are_refused() {
        ImageDownloadCompleted completed = new ImageDownloadCompleted(ID, "img");
        fixture.given(REQUESTED, completed).when(new PauseImageDownload(ID, "alice", false))
                .expectException(TransitionNotAllowed.class);
        fixture.given(REQUESTED, completed).when(new CancelImageDownload(ID, "alice", false, ImageDownloadCancelled.USER))
                .expectException(TransitionNotAllowed.class);
        fixture.given(REQUESTED, new ImageDownloadCancelled(ID, "alice", ImageDownloadCancelled.USER)).when(new ResumeImageDownload(ID, "alice", false))
                .expectException(TransitionNotAllowed.class);
        fixture.given(REQUESTED, STARTED).when(new RetryImageDownload(ID, "alice", false))
                .expectException(TransitionNotAllowed.class);
    }

    @Test
    void cancel_is_final_and_repeating_it_changes_nothing() {
        fixture.given(REQUESTED, STARTED).when(new CancelImageDownload(ID, "alice", false, ImageDownloadCancelled.USER))
                .expectEvents(new ImageDownloadCancelled(ID, "alice", ImageDownloadCancelled.USER));
        fixture.given(REQUESTED, new ImageDownloadCancelled(ID, "alice", ImageDownloadCancelled.USER)).when(new CancelImageDownload(ID, "alice", false, ImageDownloadCancelled.USER))
                .expectNoEvents();
    }

    @Test
    void a_user_retry_of_a_failed_download_starts_a_fresh_budget() {
        ImageDownloadFailed failed = new ImageDownloadFailed(ID, "SERVER_ERROR", "503", true, 1);
        fixture.given(REQUESTED, STARTED, failed).when(new RetryImageDownload(ID, "alice", false))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 2, NOW, "USER_RETRY", "Retried by alice"));
        // After the user's retry, attempt 2 is the first of a new budget of 3: its failure is retried again.
        fixture.given(REQUESTED, STARTED, failed, new ImageDownloadRetryScheduled(ID, 2, NOW, "USER_RETRY", "r"),
                        new ImageFetchStarted(ID, 2, 2, 0))
                .when(new RecordFetchFailure(ID, 2, "SERVER_ERROR", "503", true, null))
                .expectEvents(new ImageDownloadRetryScheduled(ID, 3, NOW.plusSeconds(1), "SERVER_ERROR", "503"));
    }

    @Test
    void another_user_cannot_control_a_download_but_an_admin_can() {
        fixture.given(REQUESTED, STARTED).when(new PauseImageDownload(ID, "mallory", false))
                .expectException(DownloadNotFound.class);
        fixture.given(REQUESTED, STARTED).when(new CancelImageDownload(ID, "root", true, ImageDownloadCancelled.USER))
                .expectEvents(new ImageDownloadCancelled(ID, "root", ImageDownloadCancelled.USER));
    }

    private static void require(boolean condition) {
        if (!condition) {
            throw new AssertionError("unexpected aggregate state");
        }
    }
}
