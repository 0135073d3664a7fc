package io.picflow.query.rebuild;

import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.security.TokenAuthenticator;
import io.picflow.query.live.ConnectedUsers;
import io.picflow.query.live.SocketHandshake;
import io.picflow.query.live.WebSocketTickets;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /ws/admin}: the admins' stream. Authenticated like {@code /ws} (a {@code ticket}, or a bearer token in
 * the header or {@code access_token}); a token (or ticket) without the admin role is closed with 4403, and a
 * connection is closed with 4401 when its token expires. A new client first gets
 * the progress of every rebuild this node remembers, then every change as it happens.
 */
class AdminSocketHandler extends TextWebSocketHandler {

    static final int CLOSE_FORBIDDEN = 4403;

    private final TokenAuthenticator authenticator;
    private final WebSocketTickets tickets;
    private final ErasedUsers erasedUsers;
    private final ConnectedUsers connected;
    private final ProjectionRebuilds rebuilds;
    private final RebuildStream stream;
    private final JsonMapper json;
    private final ScheduledExecutorService expiries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "picflow-admin-socket-expiry");
        thread.setDaemon(true);
        return thread;
    });

    AdminSocketHandler(TokenAuthenticator authenticator, WebSocketTickets tickets, ErasedUsers erasedUsers, ConnectedUsers connected,
            ProjectionRebuilds rebuilds, RebuildStream stream, JsonMapper json) {
        this.connected = connected;
        this.authenticator = authenticator;
        this.tickets = tickets;
        this.erasedUsers = erasedUsers;
        this.rebuilds = rebuilds;
        this.stream = stream;
        this.json = json;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws IOException {
        var authenticated = SocketHandshake.open(session, authenticator, tickets, erasedUsers).map(SocketHandshake.Opened::authenticated).orElse(null);
        if (authenticated == null) {
            return;
        }
        if (!authenticated.user().admin()) {
            session.close(new CloseStatus(CLOSE_FORBIDDEN, "The admin stream needs the admin role"));
            return;
        }
        WebSocketSession safe = RebuildStream.safe(session);
        if (authenticated.expiresAt() != null) {
            // As on /ws: the connection lasts as long as its token.
            long delay = Math.max(0, Duration.between(Instant.now(), authenticated.expiresAt()).toMillis());
            expiries.schedule(() -> close(safe, new CloseStatus(SocketHandshake.CLOSE_UNAUTHENTICATED, "Token expired")), delay,
                    TimeUnit.MILLISECONDS);
        }
        connected.opened(session.getId(), authenticated.user().id(),
                () -> close(safe, new CloseStatus(SocketHandshake.CLOSE_USER_ERASED, "This user was erased")));
        // Joined before the snapshot is sent: a change in between arrives twice rather than not at all.
        stream.join(safe);
        for (RebuildProgress progress : rebuilds.all()) {
            stream.send(safe, new TextMessage(json.writeValueAsString(progress)));
        }
    }

    private void close(WebSocketSession session, CloseStatus status) {
        stream.leave(session);
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            // gone already
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        connected.closed(session.getId());
        stream.leave(session);
    }
}
