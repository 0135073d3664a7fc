package io.picflow.query.rebuild;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admins' WebSocket stream ({@code /ws/admin}): every rebuild's progress, as it happens, to every
 * connected admin. A client too slow to keep up is disconnected rather than allowed to hold up the rebuild.
 */
@Component
class RebuildStream {

    static final int SEND_TIME_LIMIT_MS = 5_000;
    static final int BUFFER_LIMIT_BYTES = 1 << 20;
    private static final Logger log = LoggerFactory.getLogger(RebuildStream.class);

    private final Set<WebSocketSession> sessions = ConcurrentHashMap.newKeySet();
    private final JsonMapper json;

    RebuildStream(JsonMapper json) {
        this.json = json;
    }

    /** Follows the stream from now on; {@code session} must be safe for concurrent sends (see {@link #safe}). */
    void join(WebSocketSession session) {
        sessions.add(session);
    }

    void leave(WebSocketSession session) {
        sessions.removeIf(joined -> joined.getId().equals(session.getId()));
    }

    static WebSocketSession safe(WebSocketSession session) {
        return new ConcurrentWebSocketSessionDecorator(session, SEND_TIME_LIMIT_MS, BUFFER_LIMIT_BYTES);
    }

    void publish(RebuildProgress progress) {
        if (sessions.isEmpty()) {
            return;
        }
        TextMessage frame = new TextMessage(json.writeValueAsString(progress));
        for (WebSocketSession session : sessions) {
            send(session, frame);
        }
    }

    void send(WebSocketSession session, TextMessage frame) {
        try {
            session.sendMessage(frame);
        } catch (IOException | RuntimeException e) {
            log.debug("Dropping admin stream client {}: {}", session.getId(), e.toString());
            sessions.remove(session);
            try {
                session.close(CloseStatus.SESSION_NOT_RELIABLE);
            } catch (IOException | RuntimeException closing) {
                // gone already
            }
        }
    }
}
