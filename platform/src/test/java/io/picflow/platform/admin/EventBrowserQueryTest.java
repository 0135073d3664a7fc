package io.picflow.platform.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.picflow.platform.web.ProblemException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.http.HttpStatus;

/** The event browser's parameter rules and SQL shapes, without a database (EventBrowserApiTest runs them for real). */
class EventBrowserQueryTest {

    private static final EventTypes TYPES = EventTypes.scan(new DefaultResourceLoader());

    @Test
    void the_known_types_are_the_simple_names_of_the_event_records() {
        assertThat(TYPES.names()).contains("ImageDownloadRequested", "ImageDownloadCompleted", "UserFavorited", "UserRegistered", "UserErased")
                .doesNotContain("MetadataKeys", "DownloadEvent", "DownloadErrorCodes", "EncryptedText");
        assertThat(EventTypes.simpleName("io.picflow.events.downloads.ImageDownloadRequested")).isEqualTo("ImageDownloadRequested");
        assertThat(EventTypes.simpleName("a.Outer$Inner")).isEqualTo("Inner");
        assertThat(EventTypes.simpleName("Plain")).isEqualTo("Plain");
    }

    @Test
    void an_unknown_type_is_a_400_that_lists_the_known_ones() {
        assertThatThrownBy(() -> TYPES.require("io.picflow.events.downloads.ImageDownloadRequested"))
                .isInstanceOfSatisfying(ProblemException.class, problem -> {
                    assertThat(problem.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(problem.getMessage()).contains("Unknown event type").contains("ImageDownloadRequested, ");
                });
    }

    @Test
    void two_events_with_one_simple_name_are_refused_at_startup() {
        assertThatThrownBy(() -> new EventTypes(List.of("io.picflow.events.a.Same", "io.picflow.events.b.Same")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Same");
    }

    @Test
    void blank_parameters_are_no_filter_and_invalid_ones_are_400s() {
        EventQuery none = EventQuery.of(TYPES, "", " ", null, "", null, 0, 100);
        assertThat(none).isEqualTo(new EventQuery(null, null, null, null, null, 0, 100));

        EventQuery query = EventQuery.of(TYPES, "ImageStored", "d-1", "c-1", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00.5Z", 3, 50);
        assertThat(query.from()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(query.offset()).isEqualTo(150);

        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, null, null, 0, 1001), "size must be 1 to 1000");
        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, null, null, 0, 0), "size must be 1 to 1000");
        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, null, null, -1, 10), "page must be 0 or more");
        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, "2026-01-01", null, 0, 10), "from must be an ISO-8601 instant");
        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, null, "soon", 0, 10), "to must be an ISO-8601 instant");
        assertBadRequest(() -> EventQuery.of(TYPES, null, null, null, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 0, 10),
                "from (inclusive) must be before to");
        assertBadRequest(() -> EventQuery.of(TYPES, "NoSuchEvent", null, null, null, null, 0, 10), "Unknown event type");
    }

    @Test
    void each_filter_is_written_as_its_index_expects() {
        EventQuery byCorrelation = new EventQuery(null, null, "c-1", null, null, 2, 10);
        EventStoreBrowser.Sql page = EventStoreBrowser.pageQuery(byCorrelation, new EventStoreBrowser.Matches(30, 5, 900));
        assertThat(page.text()).isEqualTo("SELECT global_index, event_identifier, payload_type, aggregate_identifier, type, "
                + "sequence_number, time_stamp, payload_revision, payload, meta_data FROM domain_event_entry "
                + "WHERE picflow_correlation_id(meta_data) = :correlationId ORDER BY global_index LIMIT :limit OFFSET :offset");
        assertThat(page.parameters()).containsEntry("correlationId", "c-1").containsEntry("limit", 10).containsEntry("offset", 20L)
                .doesNotContainKey("firstPosition");
        assertThat(EventStoreBrowser.countQuery(byCorrelation).text()).isEqualTo("SELECT count(*) AS total, "
                + "min(global_index) AS first_position, max(global_index) AS last_position FROM domain_event_entry "
                + "WHERE picflow_correlation_id(meta_data) = :correlationId");

        EventQuery byTypeAndTime = new EventQuery("ImageStored", null, null, Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-01-02T00:00:00Z"), 0, 100);
        EventStoreBrowser.Sql window = EventStoreBrowser.pageQuery(byTypeAndTime, new EventStoreBrowser.Matches(30, 5, 900));
        assertThat(window.text()).contains("WHERE picflow_event_type(payload_type) = :type AND picflow_event_time(time_stamp) >= :from "
                + "AND picflow_event_time(time_stamp) < :to AND global_index BETWEEN :firstPosition AND :lastPosition ORDER BY");
        assertThat(window.parameters()).containsEntry("from", OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))
                .containsEntry("firstPosition", 5L).containsEntry("lastPosition", 900L);

        assertThat(EventStoreBrowser.countQuery(new EventQuery(null, null, null, null, null, 0, 100)).text())
                .endsWith("FROM domain_event_entry");
        assertThat(EventStoreBrowser.pageQuery(new EventQuery(null, "d-1", null, null, null, 0, 100),
                new EventStoreBrowser.Matches(3, 1, 3)).text()).contains("WHERE aggregate_identifier = :aggregateId ORDER BY");
    }

    private static void assertBadRequest(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String detail) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProblemException.class, problem -> {
            assertThat(problem.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(problem.getMessage()).contains(detail);
        });
    }
}
