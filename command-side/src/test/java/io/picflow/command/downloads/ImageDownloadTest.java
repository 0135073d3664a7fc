package io.picflow.command.downloads;

import io.picflow.events.downloads.ImageDownloadRequested;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImageDownloadTest {

    private AggregateTestFixture<ImageDownload> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(ImageDownload.class);
    }

    @Test
    void requesting_a_download_records_who_asked_for_which_url() {
        fixture.givenNoPriorActivity()
                .when(new RequestImageDownload("d-1", "https://example.com/cat.png", "cat.png", List.of("cats"), "alice"))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new ImageDownloadRequested("d-1", "https://example.com/cat.png", "cat.png", List.of("cats"), "alice"))
                .expectState(download -> {
                    if (download.status() != DownloadStatus.REQUESTED || !"alice".equals(download.requestedBy())) {
                        throw new AssertionError("unexpected state " + download.status() + " by " + download.requestedBy());
                    }
                });
    }

    @Test
    void missing_tags_become_an_empty_list_in_the_event() {
        fixture.givenNoPriorActivity()
                .when(new RequestImageDownload("d-2", "https://example.com/dog.png", null, null, "bob"))
                .expectEvents(new ImageDownloadRequested("d-2", "https://example.com/dog.png", null, List.of(), "bob"));
    }
}
