package io.picflow.query.live;

import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.security.Roles;
import io.picflow.platform.security.TokenAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One-time tickets that stand for a bearer token in a WebSocket handshake, so that browsers need not
 * put their token in the URL (the {@code ws_ticket} table, V7__ws_tickets.sql). A ticket is valid for
 * {@code picflow.live.ticket-ttl} and for one handshake on any query node; only its SHA-256 is stored.
 */
@Component
public class WebSocketTickets {

    private static final SecureRandom random = new SecureRandom();
    private static final Base64.Encoder base64Url = Base64.getUrlEncoder().withoutPadding();
    private static final int TICKET_BYTES = 32;
    /** Expired tickets deleted per issuance: each issuance adds one, so they cannot pile up. */
    private static final int CLEAN_UP_BATCH = 100;
    /** With a hash of the user id, serialises a user's issuances across nodes, so that the cap holds. */
    private static final int ISSUE_LOCK_SPACE = 0x77735f74; // "ws_t"

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Duration ttl;
    private final int maxPerUser;

    WebSocketTickets(JdbcClient jdbc, PlatformTransactionManager transactions, LiveProperties properties) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactions);
        this.ttl = properties.ticketTtl();
        this.maxPerUser = properties.maxTicketsPerUser();
    }

    /** A new ticket and until when it is valid. */
    public record Issued(String ticket, Instant expiresAt) {
    }

    /** The user already holds {@code max} unexpired tickets; the first of them expires in {@code retryAfter}. */
    static final class TooManyTickets extends RuntimeException {
        final Duration retryAfter;

        TooManyTickets(int max, Duration retryAfter) {
            super("At most " + max + " unused tickets per user", null, false, false);
            this.retryAfter = retryAfter;
        }
    }

    /**
     * Issues a ticket for the holder of a token: valid for the TTL, but never beyond the token's
     * {@code exp} (every accepted token has one).
     *
     * @throws TooManyTickets if the user already holds the maximum of unexpired tickets
     */
    Issued issue(String userId, List<String> roles, Instant tokenExpiresAt) {
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        String ticket = base64Url.encodeToString(bytes);
        String[] knownRoles = roles.stream().filter(r -> r.equals(Roles.USER) || r.equals(Roles.ADMIN)).distinct()
                .toArray(String[]::new);
        return transactions.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:space, hashtext(:user))")
                    .param("space", ISSUE_LOCK_SPACE).param("user", userId).query().singleRow();
            Outstanding outstanding = jdbc.sql("SELECT count(*), coalesce(extract(epoch FROM min(expires_at) - now()), 0) "
                            + "FROM ws_ticket WHERE user_id = :user AND expires_at > now()")
                    .param("user", userId)
                    .query((rs, row) -> new Outstanding(rs.getInt(1), rs.getDouble(2)))
                    .single();
            if (outstanding.count() >= maxPerUser) {
                throw new TooManyTickets(maxPerUser, Duration.ofMillis((long) Math.ceil(outstanding.firstExpiresInSeconds() * 1000)));
            }
            jdbc.sql("DELETE FROM ws_ticket WHERE ticket_hash IN (SELECT ticket_hash FROM ws_ticket WHERE expires_at <= now() "
                            + "ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED)")
                    .param("batch", CLEAN_UP_BATCH).update();
            OffsetDateTime expiresAt = jdbc.sql("INSERT INTO ws_ticket (ticket_hash, user_id, roles, token_expires_at, expires_at) "
                            + "VALUES (:hash, :user, :roles, CAST(:tokenExpiresAt AS timestamptz), "
                            + "least(now() + :ttlMillis * interval '1 millisecond', CAST(:tokenExpiresAt AS timestamptz))) "
                            + "RETURNING expires_at")
                    .param("hash", hash(ticket))
                    .param("user", userId)
                    .param("roles", knownRoles)
                    .param("tokenExpiresAt", tokenExpiresAt == null ? null : OffsetDateTime.ofInstant(tokenExpiresAt, ZoneOffset.UTC))
                    .param("ttlMillis", ttl.toMillis())
                    .query(OffsetDateTime.class).single();
            return new Issued(ticket, expiresAt.toInstant());
        });
    }

    private record Outstanding(int count, double firstExpiresInSeconds) {
    }

    /**
     * Takes a ticket: whom it speaks for and until when their token is valid, or empty if it is unknown,
     * already taken or expired. Taking it deletes it, so it opens one connection on one node at most; an
     * expired one is deleted too.
     */
    Optional<TokenAuthenticator.Authenticated> redeem(String ticket) {
        return jdbc.sql("DELETE FROM ws_ticket WHERE ticket_hash = :hash "
                        + "RETURNING user_id, roles, token_expires_at, expires_at > now() AS valid")
                .param("hash", hash(ticket))
                .query((rs, row) -> {
                    List<String> roles = Arrays.asList((String[]) rs.getArray("roles").getArray());
                    OffsetDateTime tokenExpiresAt = rs.getObject("token_expires_at", OffsetDateTime.class);
                    return new Taken(new TokenAuthenticator.Authenticated(new CurrentUser(rs.getString("user_id"),
                            roles.contains(Roles.ADMIN)), tokenExpiresAt == null ? null : tokenExpiresAt.toInstant()),
                            rs.getBoolean("valid"));
                })
                .optional()
                .filter(Taken::valid)
                .map(Taken::authenticated);
    }

    private record Taken(TokenAuthenticator.Authenticated authenticated, boolean valid) {
    }

    /** Deletes every ticket of a user (erasure); returns how many there were. */
    public int deleteAllOf(String userId) {
        return jdbc.sql("DELETE FROM ws_ticket WHERE user_id = :user").param("user", userId).update();
    }

    private static String hash(String ticket) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
