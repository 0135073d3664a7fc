package io.picflow.command.users;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The contact store: personal data (email, phone) keyed by user, outside the event store, so that it can be
 * erased without rewriting history. Events refer to users by id only. An address is verified only once its owner
 * gave back the code sent to it; a changed address is unverified again.
 */
@Repository
public class UserContacts {

    /** A user's contact details; null fields are absent (and shown as null). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS)
    public record Contact(String email, boolean emailVerified, String phone, boolean phoneVerified) {
        public static final Contact NONE = new Contact(null, false, null, false);
    }

    private final JdbcClient jdbc;

    UserContacts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void save(String userId, String email) {
        changeEmail(userId, email);
    }

    /** Sets the email ({@code null} erases it); returns whether it changed (and is now unverified). */
    public boolean changeEmail(String userId, String email) {
        return change(userId, "email", email);
    }

    /** Sets the phone ({@code null} erases it); returns whether it changed (and is now unverified). */
    public boolean changePhone(String userId, String phone) {
        return change(userId, "phone", phone);
    }

    private boolean change(String userId, String column, String value) {
        // Only the two known column names reach here: the SQL is built from constants.
        String verified = column + "_verified";
        return jdbc.sql("INSERT INTO user_contact (user_id, " + column + ", updated_at) VALUES (:user, :value, :at) "
                        + "ON CONFLICT (user_id) DO UPDATE SET " + column + " = excluded." + column + ", " + verified + " = false, "
                        + "updated_at = excluded.updated_at WHERE user_contact." + column + " IS DISTINCT FROM excluded." + column)
                .param("user", userId).param("value", value).param("at", OffsetDateTime.now(ZoneOffset.UTC))
                .update() > 0;
    }

    /** Marks the address verified, if it is still the user's {@code kind} ({@code email} or {@code phone}). */
    public boolean markVerified(String userId, String kind, String address) {
        String column = "phone".equals(kind) ? "phone" : "email";
        return jdbc.sql("UPDATE user_contact SET " + column + "_verified = true, updated_at = now() WHERE user_id = :user AND "
                        + column + " = :address")
                .param("user", userId).param("address", address).update() > 0;
    }

    public Contact of(String userId) {
        return jdbc.sql("SELECT email, email_verified, phone, phone_verified FROM user_contact WHERE user_id = :user")
                .param("user", userId)
                .query((row, i) -> new Contact(row.getString(1), row.getBoolean(2), row.getString(3), row.getBoolean(4)))
                .optional().orElse(Contact.NONE);
    }

    /** The user's email, if verified: the only kind that receives notifications. */
    public Optional<String> verifiedEmail(String userId) {
        Contact contact = of(userId);
        return contact.emailVerified() ? Optional.ofNullable(contact.email()) : Optional.empty();
    }

    /** Erases what the store holds about the user; returns whether there was anything. */
    boolean erase(String userId) {
        return jdbc.sql("DELETE FROM user_contact WHERE user_id = :user").param("user", userId).update() > 0;
    }

    Optional<String> email(String userId) {
        return jdbc.sql("SELECT email FROM user_contact WHERE user_id = :user AND email IS NOT NULL").param("user", userId)
                .query(String.class).optional();
    }
}
