package db.migration.eventstore;

import io.picflow.events.EncryptedText;
import io.picflow.platform.privacy.PersonalTextCipher;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rewrites the personal free text that revision 1 events carried in clear (display names, shortlist notes,
 * exclusion reasons) into revision 2: the same event, the text encrypted with its owner's new key, or for a note or
 * reason about another user, with a key derived from both users' keys (ADR 0011).
 * Also the copies of those events parked in the query side's dead-letter queue, if it exists yet. Snapshots of
 * the aggregates that held such text are deleted: the aggregates rebuild them from the rewritten events.
 *
 * <p>Runs in Flyway's transaction, in pages of 500 events, so a store of any size is rewritten with bounded
 * memory; the service does not start until it is done.
 */
public class V5__encrypt_personal_text extends BaseJavaMigration {

    /**
     * Event type, the field holding the owner's id (the author's, for a text about another user), the field holding
     * the other user's id (null for a text about nobody else), and the field holding the text.
     */
    private record PersonalField(String payloadType, String ownerField, String subjectField, String textField) {
    }

    private static final List<PersonalField> FIELDS = List.of(
            new PersonalField("io.picflow.events.users.UserRegistered", "userId", null, "displayName"),
            new PersonalField("io.picflow.events.favorites.UserShortlisted", "actorId", "targetId", "note"),
            new PersonalField("io.picflow.events.favorites.UserExcluded", "actorId", "targetId", "reason"));

    private static final int PAGE = 500;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<String, byte[]> keys = new HashMap<>();

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        for (PersonalField field : FIELDS) {
            rewrite(connection, "domain_event_entry", "global_index", field);
            if (exists(connection, "query_dead_letter_entry")) {
                rewrite(connection, "query_dead_letter_entry", "dead_letter_id", field);
            }
        }
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM snapshot_event_entry WHERE payload_type IN (?, ?)")) {
            delete.setString(1, "io.picflow.command.users.User");
            delete.setString(2, "io.picflow.command.favorites.Relationship");
            delete.executeUpdate();
        }
    }

    private void rewrite(Connection connection, String table, String idColumn, PersonalField field) throws SQLException {
        String select = "SELECT " + idColumn + ", payload FROM " + table
                + " WHERE payload_type = ? AND payload_revision = '1' AND " + idColumn + " > ? ORDER BY " + idColumn + " LIMIT " + PAGE;
        String update = "UPDATE " + table + " SET payload = ?, payload_revision = '2' WHERE " + idColumn + " = ?";
        Object after = idColumn.equals("global_index") ? (Object) Long.MIN_VALUE : "";
        while (true) {
            List<Object> ids = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            try (PreparedStatement page = connection.prepareStatement(select)) {
                page.setString(1, field.payloadType());
                page.setObject(2, after);
                try (ResultSet rows = page.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getObject(1));
                        payloads.add(rows.getBytes(2));
                    }
                }
            }
            if (ids.isEmpty()) {
                return;
            }
            try (PreparedStatement write = connection.prepareStatement(update)) {
                for (int i = 0; i < ids.size(); i++) {
                    write.setBytes(1, encrypted(connection, payloads.get(i), field));
                    write.setObject(2, ids.get(i));
                    write.addBatch();
                }
                write.executeBatch();
            }
            after = ids.get(ids.size() - 1);
        }
    }

    private byte[] encrypted(Connection connection, byte[] payload, PersonalField field) throws SQLException {
        ObjectNode event = (ObjectNode) json.readTree(payload);
        JsonNode text = event.get(field.textField());
        if (text != null && text.isString()) {
            String owner = event.get(field.ownerField()).asString();
            EncryptedText sealed;
            if (field.subjectField() == null) {
                sealed = PersonalTextCipher.encrypt(key(connection, owner), owner, text.asString());
            } else {
                String subject = event.get(field.subjectField()).asString();
                sealed = PersonalTextCipher.encryptAbout(key(connection, owner), key(connection, subject), owner, subject, text.asString());
            }
            event.set(field.textField(), json.valueToTree(sealed));
        }
        return json.writeValueAsString(event).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] key(Connection connection, String userId) throws SQLException {
        byte[] cached = keys.get(userId);
        if (cached != null) {
            return cached;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO user_key (user_id, key) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING")) {
            insert.setString(1, userId);
            insert.setBytes(2, PersonalTextCipher.newKey());
            insert.executeUpdate();
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT key FROM user_key WHERE user_id = ?")) {
            select.setString(1, userId);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                byte[] key = row.getBytes(1);
                keys.put(userId, key);
                return key;
            }
        }
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            statement.setString(1, table);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }
}
