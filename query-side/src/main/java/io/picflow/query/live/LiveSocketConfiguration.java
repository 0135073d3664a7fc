package io.picflow.query.live;

import io.picflow.platform.security.SecurityConfiguration;
import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.security.TokenAuthenticator;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

/**
 * The WebSocket endpoint. Any origin may connect: the connection is authorised by a ticket or a bearer
 * token, never by cookies, so a foreign page cannot ride on a user's session.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
@EnableConfigurationProperties(LiveProperties.class)
class LiveSocketConfiguration implements WebSocketConfigurer {

    private final LiveFeed feed;
    private final LiveFeedStore store;
    private final TokenAuthenticator authenticator;
    private final WebSocketTickets tickets;
    private final ErasedUsers erasedUsers;
    private final ConnectedUsers connected;

    LiveSocketConfiguration(LiveFeed feed, LiveFeedStore store, TokenAuthenticator authenticator, WebSocketTickets tickets,
            ErasedUsers erasedUsers, ConnectedUsers connected) {
        this.connected = connected;
        this.feed = feed;
        this.store = store;
        this.authenticator = authenticator;
        this.tickets = tickets;
        this.erasedUsers = erasedUsers;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(new LiveSocketHandler(feed, store, authenticator, tickets, erasedUsers, connected), SecurityConfiguration.WEB_SOCKET_PATH)
                .setAllowedOriginPatterns("*");
    }
}
