package io.picflow.query.rebuild;

import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.security.TokenAuthenticator;
import io.picflow.query.live.ConnectedUsers;
import io.picflow.query.live.WebSocketTickets;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import tools.jackson.databind.json.JsonMapper;

/** Registers the admins' stream, {@code /ws/admin} (docs/operations.md). */
@Configuration(proxyBeanMethods = false)
class AdminSocketConfiguration implements WebSocketConfigurer {

    static final String PATH = "/ws/admin";

    private final AdminSocketHandler handler;

    AdminSocketConfiguration(TokenAuthenticator authenticator, WebSocketTickets tickets, ErasedUsers erasedUsers,
            ConnectedUsers connected, ProjectionRebuilds rebuilds, RebuildStream stream, JsonMapper json) {
        this.handler = new AdminSocketHandler(authenticator, tickets, erasedUsers, connected, rebuilds, stream, json);
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // A ticket or a bearer token authorises the connection, never a cookie: any origin may connect.
        registry.addHandler(handler, PATH).setAllowedOriginPatterns("*");
    }
}
