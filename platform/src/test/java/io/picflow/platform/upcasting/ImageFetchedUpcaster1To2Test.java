package io.picflow.platform.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.events.downloads.ImageFetched;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Stream;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.jackson3.Jackson3Serializer;
import org.axonframework.serialization.upcasting.event.InitialEventRepresentation;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registered upcaster chain on payloads exactly as the event store holds them: the literals are the
 * stored JSON of each revision, and stay here as long as such rows may exist.
 */
class ImageFetchedUpcaster1To2Test {

    private static final String TYPE = "io.picflow.events.downloads.ImageFetched";

    /** A revision 1 payload, as the command side wrote it before the rename. */
    private static final String REVISION_1 = """
            {"downloadId":"d-1","attempt":2,"bytes":1000,"contentType":"image/png; charset=binary","sha256":"ab12"}""";

    private static final String REVISION_2 = """
            {"downloadId":"d-1","attempt":2,"bytes":1000,"declaredContentType":"image/png; charset=binary","sha256":"ab12"}""";

    private final Jackson3Serializer serializer = Jackson3Serializer.builder().build();
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void the_stored_type_is_the_record_s_class_name() {
        assertThat(ImageFetched.class.getName()).isEqualTo(TYPE);
    }

    @Test
    void revision_1_becomes_revision_2_with_the_header_as_declared_content_type() {
        IntermediateEventRepresentation upcast = upcast("1", REVISION_1);

        assertThat(upcast.getType()).isEqualTo(new SimpleSerializedType(TYPE, "2"));
        assertThat(upcast.getData(JsonNode.class).getData()).isEqualTo(json.readTree(REVISION_2));
        ImageFetched event = serializer.deserialize(upcast.getData());
        assertThat(event).isEqualTo(new ImageFetched("d-1", 2, 1000, "image/png; charset=binary", "ab12"));
    }

    @Test
    void a_missing_header_stays_null() {
        IntermediateEventRepresentation upcast = upcast("1", """
                {"downloadId":"d-2","attempt":1,"bytes":10,"contentType":null,"sha256":"cd34"}""");

        ImageFetched event = serializer.deserialize(upcast.getData());
        assertThat(event).isEqualTo(new ImageFetched("d-2", 1, 10, null, "cd34"));
    }

    @Test
    void revision_2_passes_unchanged() {
        IntermediateEventRepresentation upcast = upcast("2", REVISION_2);

        assertThat(upcast.getType()).isEqualTo(new SimpleSerializedType(TYPE, "2"));
        assertThat(upcast.getData(JsonNode.class).getData()).isEqualTo(json.readTree(REVISION_2));
    }

    /** Runs one stored row through the chain the platform registers with Axon. */
    private IntermediateEventRepresentation upcast(String revision, String payload) {
        var stored = new GenericDomainEventEntry<>("ImageDownload", "d-1", 3, "event-1",
                Instant.parse("2026-01-02T03:04:05.678Z"), TYPE, revision,
                payload.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
        return EventUpcasters.chain().upcast(Stream.of(new InitialEventRepresentation(stored, serializer)))
                .findFirst().orElseThrow();
    }
}
