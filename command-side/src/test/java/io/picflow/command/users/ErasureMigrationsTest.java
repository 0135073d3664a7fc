package io.picflow.command.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.events.EncryptedText;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.privacy.PersonalTextCipher;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upgrade of a store written before crypto-shredding (ADR 0011): the event store's V5 encrypts the personal text
 * of every revision 1 event (and of its dead-letter copies) with a new key per user, and drops the snapshots that
 * held it; the command side's V7 finds every relationship and image favorite that an erasure must undo.
 */
class ErasureMigrationsTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    private DriverManagerDataSource dataSource;
    private JdbcClient jdbc;
    private long sequence;

    @BeforeEach
    void emptyDatabase() {
        dataSource = new DriverManagerDataSource(TestServices.newDatabase(), TestServices.postgres().username(),
                TestServices.postgres().password());
        jdbc = JdbcClient.create(dataSource);
    }

    @Test
    void revision_1_personal_text_is_encrypted_with_each_owners_new_key_and_its_snapshots_dropped() {
        migrateEventStoreTo("4");
        jdbc.sql("CREATE TABLE query_dead_letter_entry (dead_letter_id VARCHAR(255) PRIMARY KEY, payload_type VARCHAR(255) NOT NULL, "
                + "payload_revision VARCHAR(255), payload BYTEA NOT NULL)").update();
        append("user-a", "io.picflow.events.users.UserRegistered", "{\"userId\":\"ann\",\"displayName\":\"Ann Example\"}");
        append("pair-1", "io.picflow.events.favorites.UserShortlisted", "{\"actorId\":\"ann\",\"targetId\":\"bob\",\"note\":\"private\"}");
        append("pair-1", "io.picflow.events.favorites.UserExcluded", "{\"actorId\":\"bob\",\"targetId\":\"ann\",\"reason\":null}");
        append("pair-1", "io.picflow.events.favorites.UserFavorited", "{\"actorId\":\"ann\",\"targetId\":\"cat\",\"source\":null}");
        jdbc.sql("INSERT INTO query_dead_letter_entry VALUES ('dl-1', 'io.picflow.events.favorites.UserShortlisted', '1', :payload)")
                .param("payload", bytes("{\"actorId\":\"cat\",\"targetId\":\"bob\",\"note\":\"parked\"}")).update();
        snapshot("user-a", "io.picflow.command.users.User");
        snapshot("pair-1", "io.picflow.command.favorites.Relationship");
        snapshot("download-1", "io.picflow.command.downloads.ImageDownload");

        SchemaHistories.of(dataSource, "eventstore").migrate();

        assertThat(jdbc.sql("SELECT payload_revision FROM domain_event_entry WHERE payload_type NOT LIKE '%UserFavorited' ORDER BY global_index")
                .query(String.class).list()).containsExactly("2", "2", "2");
        assertThat(allPayloads()).doesNotContain("Ann Example").doesNotContain("private").doesNotContain("parked");
        assertThat(opened("io.picflow.events.users.UserRegistered", "userId", "displayName")).isEqualTo("Ann Example");
        JsonNode shortlisted = payload("io.picflow.events.favorites.UserShortlisted");
        assertThat(PersonalTextCipher.decryptAbout(key("ann"), key("bob"), "ann", "bob",
                new EncryptedText(shortlisted.get("note").get("ciphertext").asString()))).isEqualTo("private");
        assertThat(payload("io.picflow.events.favorites.UserExcluded").get("reason").isNull()).isTrue();
        JsonNode parked = json.readTree(jdbc.sql("SELECT payload FROM query_dead_letter_entry").query(byte[].class).single());
        assertThat(PersonalTextCipher.decryptAbout(key("cat"), key("bob"), "cat", "bob",
                new EncryptedText(parked.get("note").get("ciphertext").asString()))).isEqualTo("parked");
        assertThat(jdbc.sql("SELECT payload_revision FROM query_dead_letter_entry").query(String.class).single()).isEqualTo("2");
        // The aggregates that held the text clear rebuild their snapshots; the others keep theirs.
        assertThat(jdbc.sql("SELECT payload_type FROM snapshot_event_entry").query(String.class).list())
                .containsExactly("io.picflow.command.downloads.ImageDownload");
        // One key per user who wrote text or was written about; none for a user only named by a text-less event.
        assertThat(key("cat")).isNotEqualTo(key("ann"));
        assertThat(jdbc.sql("SELECT user_id FROM user_key ORDER BY user_id").query(String.class).list()).containsExactly("ann", "bob", "cat");
    }

    @Test
    void the_links_an_erasure_undoes_are_found_in_the_events_stored_before() {
        migrateEventStoreTo("4");
        append("pair-1", "io.picflow.events.favorites.UserFavorited", "{\"actorId\":\"ann\",\"targetId\":\"bob\",\"source\":null}");
        append("pair-2", "io.picflow.events.favorites.UserExcluded", "{\"actorId\":\"cat\",\"targetId\":\"ann\",\"reason\":null}");
        append("fav-1", "io.picflow.events.favorites.ImageFavorited", "{\"actorId\":\"ann\",\"imageId\":\"i1\",\"source\":null}");
        append("fav-2", "io.picflow.events.favorites.ImageFavorited", "{\"actorId\":\"ann\",\"imageId\":\"i2\",\"source\":null}");
        append("fav-2", "io.picflow.events.favorites.ImageUnfavorited", "{\"actorId\":\"ann\",\"imageId\":\"i2\"}");
        SchemaHistories.of(dataSource, "eventstore").migrate();

        SchemaHistories.of(dataSource, "command").migrate();

        assertThat(jdbc.sql("SELECT user_id || ' ' || kind || ' ' || target_id FROM favorite_link ORDER BY 1").query(String.class).list())
                .containsExactly("ann image i1", "ann user bob", "ann user cat", "bob user ann", "cat user ann");
    }

    private void migrateEventStoreTo(String version) {
        Flyway.configure().configuration(SchemaHistories.of(dataSource, "eventstore").getConfiguration()).target(version).load().migrate();
    }

    private void append(String aggregateId, String type, String payload) {
        jdbc.sql("INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp, "
                        + "payload_type, payload_revision, payload, meta_data) VALUES (:id, :aggregate, :sequence, 'X', "
                        + "'2026-11-01T10:00:00Z', :type, '1', :payload, :meta)")
                .param("id", UUID.randomUUID().toString()).param("aggregate", aggregateId).param("sequence", sequence++)
                .param("type", type).param("payload", bytes(payload)).param("meta", bytes("{}")).update();
    }

    private void snapshot(String aggregateId, String type) {
        jdbc.sql("INSERT INTO snapshot_event_entry (aggregate_identifier, sequence_number, type, event_identifier, payload, "
                        + "payload_revision, payload_type, time_stamp) VALUES (:aggregate, 0, 'X', :id, :payload, NULL, :type, "
                        + "'2026-11-01T10:00:00Z')")
                .param("aggregate", aggregateId).param("id", UUID.randomUUID().toString()).param("payload", bytes("{\"displayName\":\"Ann Example\"}"))
                .param("type", type).update();
    }

    private String opened(String type, String ownerField, String textField) {
        JsonNode event = payload(type);
        String owner = event.get(ownerField).asString();
        return PersonalTextCipher.decrypt(key(owner), owner, new EncryptedText(event.get(textField).get("ciphertext").asString()));
    }

    private JsonNode payload(String type) {
        return json.readTree(jdbc.sql("SELECT payload FROM domain_event_entry WHERE payload_type = :type").param("type", type)
                .query(byte[].class).single());
    }

    private byte[] key(String userId) {
        return jdbc.sql("SELECT key FROM user_key WHERE user_id = :id").param("id", userId).query(byte[].class).single();
    }

    private String allPayloads() {
        List<byte[]> payloads = jdbc.sql("SELECT payload FROM domain_event_entry UNION ALL SELECT payload FROM query_dead_letter_entry")
                .query(byte[].class).list();
        return String.join("\n", payloads.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
