package io.picflow.query.rebuild;

import io.picflow.platform.security.TokenAuthenticator;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import tools.jackson.databind.json.JsonMapper;

/** Registers the admins' stream, {@code /ws/admin} (docs/operations.md). */
@Configuration(proxyBeanMethods = false)
class AdminSocketConfiguration implements WebSocketConfigurer {

    static final String PATH = "/ws/admin";

    private final AdminSocketHandler handler;

    AdminSocketConfiguration(TokenAuthenticator authenticator, ProjectionRebuilds rebuilds, RebuildStream stream, JsonMapper json) {
        this.handler = new AdminSocketHandler(authenticator, rebuilds, stream, json);
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // A bearer token authorises the connection, never a cookie: any origin may connect.
        registry.addHandler(handler, PATH).setAllowedOriginPatterns("*");
    }
}
