package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetched;
import io.picflow.platform.wakeups.WakeUpChannels;
import io.picflow.query.support.QuerySideTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.axonframework.common.DateTimeUtils;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Events stored in an older revision, inserted with JDBC exactly as the old code stored them, are read
 * in the current revision through the upcasters the platform registers: by aggregate (as aggregates are
 * loaded), by position (as processors stream them), and into a read model (docs/evolving-events.md).
 */
class StoredEventRevisionsTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    EventStore eventStore;

    @Autowired
    EventStorageEngine storageEngine;

    @Autowired
    JdbcClient jdbc;

    @Test
    void an_image_fetched_stored_as_revision_1_is_read_as_revision_2() {
        String user = "rev-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // The request in the current form, so that the read models know the download.
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, 0,
                new ImageDownloadRequested(id, "https://example.com/old.png", "old.png", List.of(), user),
                Map.of(MetadataKeys.CORRELATION_ID, "corr-rev1", MetadataKeys.USER_ID, user),
                UUID.randomUUID().toString(), at));
        String eventId = UUID.randomUUID().toString();
        long position = insert(id, 1, eventId, at.plusMillis(1), ImageFetched.class.getName(), "1", """
                {"downloadId":"%s","attempt":1,"bytes":1000,"contentType":"image/png; charset=binary","sha256":"ab12"}"""
                .formatted(id), """
                {"correlationId":"corr-rev1","causationId":"cause-rev1","userId":"%s"}""".formatted(user));
        ImageFetched expected = new ImageFetched(id, 1, 1000, "image/png; charset=binary", "ab12");
        // Written behind Axon's back, like another process's append: tell the listeners, as that process would.
        jdbc.sql("SELECT pg_notify(:channel, '')").param("channel", WakeUpChannels.EVENTS).query().singleRow();

        DomainEventMessage<?> byAggregate = eventStore.readEvents(id).asStream()
                .filter(event -> event.getSequenceNumber() == 1).findFirst().orElseThrow();
        assertThat(byAggregate.getIdentifier()).isEqualTo(eventId);
        assertThat(byAggregate.getPayload()).isEqualTo(expected);
        assertThat(byAggregate.getMetaData()).containsEntry(MetadataKeys.CORRELATION_ID, "corr-rev1");
        assertThat(byAggregate.getTimestamp()).isEqualTo(at.plusMillis(1));

        try (Stream<? extends TrackedEventMessage<?>> stream =
                storageEngine.readEvents(GapAwareTrackingToken.newInstance(position - 1, List.of()), false)) {
            TrackedEventMessage<?> byPosition = stream.filter(event -> event.getIdentifier().equals(eventId))
                    .findFirst().orElseThrow();
            assertThat(byPosition.getPayload()).isEqualTo(expected);
        }

        String token = TestTokens.user(user);
        await().atMost(Duration.ofSeconds(10)).until(() -> json.readTree(api().get("/api/downloads/" + id, token).body())
                .path("status").asString().equals("VALIDATING"));
        assertThat(json.readTree(api().get("/api/downloads/" + id, token).body()).get("bytesReceived").asLong())
                .isEqualTo(1000);
    }

    /** One row as Axon's JDBC engine writes it: JSON bytes, the class name and revision, its timestamp format. */
    private long insert(String aggregateId, long sequence, String eventId, Instant at, String payloadType,
            String revision, String payload, String metaData) {
        return jdbc.sql("""
                        INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type,
                            time_stamp, payload_type, payload_revision, payload, meta_data)
                        VALUES (:eventId, :aggregateId, :sequence, 'ImageDownload', :timestamp, :payloadType, :revision,
                            :payload, :metaData)
                        RETURNING global_index""")
                .param("eventId", eventId)
                .param("aggregateId", aggregateId)
                .param("sequence", sequence)
                .param("timestamp", DateTimeUtils.formatInstant(at))
                .param("payloadType", payloadType)
                .param("revision", revision)
                .param("payload", payload.getBytes(StandardCharsets.UTF_8))
                .param("metaData", metaData.getBytes(StandardCharsets.UTF_8))
                .query(Long.class).single();
    }
}
