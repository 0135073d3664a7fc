package io.picflow.query.rebuild;

import io.picflow.platform.security.TokenAuthenticator;
import io.picflow.query.live.SocketHandshake;
import java.io.IOException;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /ws/admin}: the admins' stream. Authenticated like {@code /ws} (bearer token in the header or
 * {@code access_token}); a token without the admin role is closed with 4403. A new client first gets
 * the progress of every rebuild this node remembers, then every change as it happens.
 */
class AdminSocketHandler extends TextWebSocketHandler {

    static final int CLOSE_FORBIDDEN = 4403;

    private final TokenAuthenticator authenticator;
    private final ProjectionRebuilds rebuilds;
    private final RebuildStream stream;
    private final JsonMapper json;

    AdminSocketHandler(TokenAuthenticator authenticator, ProjectionRebuilds rebuilds, RebuildStream stream, JsonMapper json) {
        this.authenticator = authenticator;
        this.rebuilds = rebuilds;
        this.stream = stream;
        this.json = json;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws IOException {
        var authenticated = SocketHandshake.open(session, authenticator).map(SocketHandshake.Opened::authenticated).orElse(null);
        if (authenticated == null) {
            return;
        }
        if (!authenticated.user().admin()) {
            session.close(new CloseStatus(CLOSE_FORBIDDEN, "The admin stream needs the admin role"));
            return;
        }
        WebSocketSession safe = RebuildStream.safe(session);
        // Joined before the snapshot is sent: a change in between arrives twice rather than not at all.
        stream.join(safe);
        for (ProjectionRebuild rebuild : rebuilds.all()) {
            stream.send(safe, new TextMessage(json.writeValueAsString(rebuild.progress())));
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        stream.leave(session);
    }
}
