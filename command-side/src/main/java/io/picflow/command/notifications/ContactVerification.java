package io.picflow.command.notifications;

import io.picflow.command.outbound.OutboundDeliveries;
import io.picflow.command.outbound.OutboundDeliveries.NewDelivery;
import io.picflow.command.users.UserContacts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Verification of a new address: a 6-digit code, valid for 15 minutes and 5 tries, at most 3 codes per user an hour
 * (counted in PostgreSQL, across nodes). Only the code's hash is stored. The code goes out as a delivery of the
 * address's channel: email, or SMS for a phone (skipped where that channel has no provider).
 */
@Component
class ContactVerification {

    static final Duration VALID_FOR = Duration.ofMinutes(15);
    static final int TRIES = 5;
    static final int CODES_PER_HOUR = 3;
    /** The ids of verification deliveries start with this. */
    static final String DELIVERY_PREFIX = "verify:";

    private final JdbcClient jdbc;
    private final UserContacts contacts;
    private final OutboundDeliveries deliveries;
    private final DeliveryPlanner planner;
    private final JsonMapper json;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final byte[] codeKey;

    ContactVerification(JdbcClient jdbc, UserContacts contacts, OutboundDeliveries deliveries, DeliveryPlanner planner, JsonMapper json,
            Clock clock, javax.crypto.SecretKey jwtSigningKey) {
        this.codeKey = UnsubscribeTokens.derive(jwtSigningKey, "picflow contact codes v1");
        this.jdbc = jdbc;
        this.contacts = contacts;
        this.deliveries = deliveries;
        this.planner = planner;
        this.json = json;
        this.clock = clock;
    }

    /** Whether another code may be sent to the user now (fewer than 3 in the last hour). */
    boolean maySend(String userId) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('contact-code:' || :user))").param("user", userId).query().singleRow();
        jdbc.sql("DELETE FROM contact_code_sent WHERE user_id = :user AND sent_at < now() - interval '1 hour'").param("user", userId).update();
        return jdbc.sql("SELECT count(*) FROM contact_code_sent WHERE user_id = :user").param("user", userId).query(Long.class).single()
                < CODES_PER_HOUR;
    }

    /** Sends a new code to the address (in the caller's transaction, after {@link #maySend}); voids the previous one. */
    void send(String userId, String kind, String address) {
        String code = String.format("%06d", random.nextInt(1_000_000));
        String deliveryId = DELIVERY_PREFIX + UUID.randomUUID();
        jdbc.sql("INSERT INTO contact_code (user_id, kind, address, code_hash, expires_at, tries_left, delivery_id) "
                        + "VALUES (:user, :kind, :address, :hash, now() + make_interval(secs => :valid), :tries, :delivery) "
                        + "ON CONFLICT (user_id, kind) DO UPDATE SET address = excluded.address, code_hash = excluded.code_hash, "
                        + "expires_at = excluded.expires_at, tries_left = excluded.tries_left, delivery_id = excluded.delivery_id")
                .param("user", userId).param("kind", kind).param("address", address).param("hash", hash(userId, code))
                .param("valid", VALID_FOR.toSeconds()).param("tries", TRIES).param("delivery", deliveryId).update();
        jdbc.sql("INSERT INTO contact_code_sent (user_id, sent_at) VALUES (:user, now())").param("user", userId).update();
        String channel = "phone".equals(kind) ? PreferencesDocument.SMS : PreferencesDocument.EMAIL;
        boolean available = planner.availableChannels().contains(channel);
        // The plain code only in a delivery that will be sent, and only until it settles (redact).
        var payload = json.createObjectNode().put("kind", "verification").put("userId", userId).put("address", address);
        if (available) {
            payload.put("code", code);
        }
        deliveries.record(new NewDelivery(deliveryId, channel, "email".equals(channel) ? DeliveryPlanner.SMTP : channel, null,
                payload.toString(),
                clock.instant(), available ? "PENDING" : "SKIPPED", available ? null : "CHANNEL_UNAVAILABLE").forUser(userId));
    }

    /** How a verification ended. */
    enum Verdict {
        VERIFIED(null),
        NO_CODE("no code was sent for this address; set it first"),
        EXPIRED("expired or out of tries; set the address again for a new code"),
        WRONG("wrong code"),
        CHANGED("the address changed since this code was sent");

        final String problem;

        Verdict(String problem) {
            this.problem = problem;
        }
    }

    /**
     * Checks a code, and marks the address verified if it is right. A wrong code uses up one of the tries: the caller
     * commits the verdict, whatever it is, before it answers.
     */
    Verdict verify(String userId, String kind, String code) {
        var pending = jdbc.sql("SELECT address, code_hash, expires_at > now(), tries_left FROM contact_code "
                        + "WHERE user_id = :user AND kind = :kind FOR UPDATE")
                .param("user", userId).param("kind", kind)
                .query((row, i) -> new Object[] {row.getString(1), row.getString(2), row.getBoolean(3), row.getInt(4)})
                .optional();
        if (pending.isEmpty()) {
            return Verdict.NO_CODE;
        }
        String address = (String) pending.get()[0];
        if (!(Boolean) pending.get()[2] || (Integer) pending.get()[3] <= 0) {
            return Verdict.EXPIRED;
        }
        if (code == null || !code.matches("\\d{6}") || !MessageDigest.isEqual(hash(userId, code).getBytes(StandardCharsets.US_ASCII),
                ((String) pending.get()[1]).getBytes(StandardCharsets.US_ASCII))) {
            jdbc.sql("UPDATE contact_code SET tries_left = tries_left - 1 WHERE user_id = :user AND kind = :kind")
                    .param("user", userId).param("kind", kind).update();
            return Verdict.WRONG;
        }
        jdbc.sql("DELETE FROM contact_code WHERE user_id = :user AND kind = :kind").param("user", userId).param("kind", kind).update();
        return contacts.markVerified(userId, kind, address) ? Verdict.VERIFIED : Verdict.CHANGED;
    }

    void erase(String userId) {
        jdbc.sql("DELETE FROM contact_code WHERE user_id = :user").param("user", userId).update();
        jdbc.sql("DELETE FROM contact_code_sent WHERE user_id = :user").param("user", userId).update();
    }

    /**
     * Called by the channel's transport once the code's delivery settled (sent, or failed for good): the plain code
     * lived in the payload only until then; from now on only its hash exists.
     */
    void redact(String deliveryId) {
        jdbc.sql("UPDATE outbound_delivery SET payload = '{\"kind\":\"verification\",\"redacted\":true}' WHERE delivery_id = :id")
                .param("id", deliveryId).update();
    }

    /** Whether the delivery still carries the user's current code (not superseded by a newer one, not expired). */
    boolean current(String userId, String deliveryId) {
        return jdbc.sql("SELECT count(*) FROM contact_code WHERE user_id = :user AND delivery_id = :delivery AND expires_at > now()")
                .param("user", userId).param("delivery", deliveryId).query(Long.class).single() > 0;
    }

    /**
     * An HMAC under a key derived from the JWT secret for this purpose, over the user and the code: a million codes are
     * no table to look a stolen hash up in without the secret, and equal codes of two users differ.
     */
    private String hash(String userId, String code) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(codeKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((userId + "\n" + code).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
