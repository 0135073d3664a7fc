package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** POST /api/ws-tickets and {@code /ws?ticket=}: real HTTP, a real WebSocket client and the real ws_ticket table. */
class WebSocketTicketTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    JdbcClient jdbc;

    @Test
    void a_ticket_is_issued_for_30_seconds_uncached_and_stored_only_as_its_hash() {
        Instant before = Instant.now();
        HttpResponse<String> response = post(TestTokens.user("una"));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = json.readTree(response.body());
        String ticket = body.get("ticket").asString();
        assertThat(ticket).matches("[A-Za-z0-9_-]{43}"); // 32 bytes, base64url without padding
        assertThat(Instant.parse(body.get("expiresAt").asString()))
                .isBetween(before.plusSeconds(29), Instant.now().plusSeconds(31));

        assertThat(jdbc.sql("SELECT user_id || ' ' || array_to_string(roles, ',') FROM ws_ticket WHERE ticket_hash = :hash")
                .param("hash", sha256(ticket)).query(String.class).single()).isEqualTo("una user");
        assertThat(jdbc.sql("SELECT count(*) FROM ws_ticket WHERE ticket_hash = :ticket").param("ticket", ticket)
                .query(Integer.class).single()).isZero();
    }

    @Test
    void a_ticket_opens_one_connection_that_receives_frames_and_is_then_used_up() {
        String user = "vic-" + UUID.randomUUID();
        String ticket = wsTicket(TestTokens.user(user));

        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            String id = requested(user);
            JsonNode frame = json.readTree(socket.next(WAIT).text());
            assertThat(frame.get("downloadId").asString()).isEqualTo(id);
            assertThat(frame.get("type").asString()).isEqualTo("ImageDownloadRequested");

            assertThat(ticketRows(ticket)).isZero();
            try (SocketClient again = SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)) {
                assertThat(again.closeCode().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(4401);
                assertThat(again.closeReason().join()).isEqualTo("Unknown, used or expired ticket");
            }
        }
    }

    @Test
    void connections_racing_with_one_ticket_open_once() {
        String ticket = wsTicket(TestTokens.user("wes"));
        List<CompletableFuture<SocketClient>> connecting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            connecting.add(CompletableFuture.supplyAsync(() -> SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)));
        }
        List<SocketClient> sockets = connecting.stream().map(CompletableFuture::join).toList();
        try {
            await().atMost(WAIT).until(() -> sockets.stream().filter(s -> s.closeCode().isDone()).count() == 4);
            SocketClient opened = sockets.stream().filter(s -> !s.closeCode().isDone()).findFirst().orElseThrow();
            assertThat(json.readTree(opened.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            assertThat(sockets.stream().filter(s -> s != opened).map(s -> s.closeCode().join())).containsOnly(4401);
        } finally {
            sockets.forEach(SocketClient::close);
        }
    }

    @Test
    void unknown_and_expired_tickets_are_refused_with_4401_and_an_expired_one_is_used_up() {
        assertThat(closeCode("/ws?scope=mine&ticket=" + UUID.randomUUID())).isEqualTo(4401);

        String ticket = wsTicket(TestTokens.user("xia"));
        jdbc.sql("UPDATE ws_ticket SET expires_at = now() - interval '1 second' WHERE ticket_hash = :hash")
                .param("hash", sha256(ticket)).update();
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)) {
            assertThat(socket.closeCode().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(4401);
            assertThat(socket.closeReason().join()).isEqualTo("Unknown, used or expired ticket");
        }
        assertThat(ticketRows(ticket)).isZero();
    }

    @Test
    void a_ticket_with_a_token_or_twice_is_refused_with_4400_and_stays_valid() {
        String token = TestTokens.user("yan");
        String ticket = wsTicket(token);

        assertThat(closeCode("/ws?scope=mine&ticket=" + ticket + "&access_token=" + token)).isEqualTo(4400);
        try (SocketClient socket = SocketClient.connectWithHeader(port, "/ws?scope=mine&ticket=" + ticket, token)) {
            assertThat(socket.closeCode().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(4400);
            assertThat(socket.closeReason().join()).isEqualTo("Give either ticket= or a token, not both");
        }
        assertThat(closeCode("/ws?scope=mine&ticket=" + ticket + "&ticket=" + ticket)).isEqualTo(4400);

        assertThat(ticketRows(ticket)).isOne();
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
        }
    }

    @Test
    void a_ticket_s_connection_closes_with_4401_when_the_original_token_expires() {
        Instant tokenExpiresAt = Instant.now().plusSeconds(3);
        String shortLived = TestTokens.token("zoe", List.of("user"), tokenExpiresAt, TestTokens.SECRET);
        HttpResponse<String> response = post(shortLived);
        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode body = json.readTree(response.body());
        // Never beyond the token: exp has whole seconds.
        assertThat(Instant.parse(body.get("expiresAt").asString())).isEqualTo(Instant.ofEpochSecond(tokenExpiresAt.getEpochSecond()));

        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + body.get("ticket").asString())) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            assertThat(socket.closeCode().orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(4401);
            assertThat(socket.closeReason().join()).isEqualTo("Token expired");
            assertThat(Instant.now()).isAfterOrEqualTo(Instant.ofEpochSecond(tokenExpiresAt.getEpochSecond()));
        }
    }

    @Test
    void a_ticket_s_connection_outlives_the_ticket() {
        String ticket = wsTicket(TestTokens.user("amy"));
        jdbc.sql("UPDATE ws_ticket SET expires_at = now() + interval '1 second' WHERE ticket_hash = :hash")
                .param("hash", sha256(ticket)).update();
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + ticket)) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !socket.closeCode().isDone());
        }
    }

    @Test
    void a_ticket_needs_a_valid_token() {
        for (String token : new String[] {null, "not.a.token",
                TestTokens.token("bo", List.of("user"), Instant.now().minusSeconds(3600), TestTokens.SECRET)}) {
            HttpResponse<String> response = post(token);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
            assertThat(json.readTree(response.body()).get("detail").asString()).containsIgnoringCase("token");
        }
        // The decoder's clock skew lets a just-expired token through to the endpoint, which must not issue a dead ticket.
        HttpResponse<String> justExpired = post(TestTokens.token("bo", List.of("user"), Instant.now().minusSeconds(5), TestTokens.SECRET));
        assertThat(justExpired.statusCode()).isEqualTo(401);
        assertThat(json.readTree(justExpired.body()).get("detail").asString()).isEqualTo("The bearer token has expired");

        HttpResponse<String> noRole = post(TestTokens.token("bo", List.of("guest"), Instant.now().plusSeconds(60), TestTokens.SECRET));
        assertThat(noRole.statusCode()).isEqualTo(403);
    }

    @Test
    void a_user_holds_at_most_20_unused_tickets() {
        String token = TestTokens.user("cy-" + UUID.randomUUID());
        List<String> tickets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tickets.add(wsTicket(token));
        }
        HttpResponse<String> refused = post(token);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
        assertThat(json.readTree(refused.body()).get("detail").asString()).startsWith("At most 20 unused tickets per user");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 30L);

        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=mine&ticket=" + tickets.get(0))) {
            assertThat(json.readTree(socket.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
        }
        assertThat(post(token).statusCode()).isEqualTo(201);
    }

    @Test
    void each_issuance_deletes_up_to_100_expired_tickets() {
        String user = "old-" + UUID.randomUUID();
        jdbc.sql("INSERT INTO ws_ticket (ticket_hash, user_id, roles, token_expires_at, expires_at) "
                        + "SELECT encode(sha256(convert_to(:user || n, 'UTF8')), 'hex'), :user, ARRAY['user'], now(), "
                        + "now() - interval '1 day' FROM generate_series(1, 150) n")
                .param("user", user).update();

        wsTicket(TestTokens.user("dee"));
        assertThat(rowsOf(user)).isEqualTo(50);
        wsTicket(TestTokens.user("dee"));
        assertThat(rowsOf(user)).isZero();
    }

    @Test
    void delete_all_of_a_user_removes_their_tickets_only(@Autowired WebSocketTickets tickets) {
        String user = "eli-" + UUID.randomUUID();
        String theirs = wsTicket(TestTokens.user(user));
        String other = wsTicket(TestTokens.user("fin"));

        assertThat(tickets.deleteAllOf(user)).isOne();
        assertThat(ticketRows(theirs)).isZero();
        assertThat(ticketRows(other)).isOne();
        assertThat(closeCode("/ws?scope=mine&ticket=" + theirs)).isEqualTo(4401);
    }

    private HttpResponse<String> post(String token) {
        return api().send("POST", "/api/ws-tickets", token, HttpRequest.BodyPublishers.noBody());
    }

    private int closeCode(String pathAndQuery) {
        try (SocketClient socket = SocketClient.connect(port, pathAndQuery)) {
            return socket.closeCode().orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    private int ticketRows(String ticket) {
        return jdbc.sql("SELECT count(*) FROM ws_ticket WHERE ticket_hash = :hash").param("hash", sha256(ticket))
                .query(Integer.class).single();
    }

    private int rowsOf(String user) {
        return jdbc.sql("SELECT count(*) FROM ws_ticket WHERE user_id = :user").param("user", user).query(Integer.class).single();
    }

    private String requested(String user) {
        String id = UUID.randomUUID().toString();
        eventStore.publish(new GenericDomainEventMessage<>("ImageDownload", id, 0,
                new ImageDownloadRequested(id, "https://example.com/" + id + ".png", "f.png", List.of(), user),
                Map.of(MetadataKeys.CORRELATION_ID, "c", MetadataKeys.USER_ID, user), UUID.randomUUID().toString(), Instant.now()));
        return id;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
