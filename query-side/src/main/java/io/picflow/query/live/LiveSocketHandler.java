package io.picflow.query.live;

import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.security.TokenAuthenticator;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.standard.StandardWebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * {@code /ws}: authenticates the connection, checks what it asks to follow, and hands it to the
 * {@link LiveFeed}. Refusals are close codes rather than HTTP statuses, because a browser's
 * WebSocket shows a script the close code and nothing of a failed handshake.
 */
class LiveSocketHandler extends TextWebSocketHandler {

    private static final String SUBSCRIBER = "picflow.subscriber";
    /** Tomcat's limit for one blocking send (its default is 20 s). */
    private static final String TOMCAT_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final LiveFeed feed;
    private final LiveFeedStore store;
    private final TokenAuthenticator authenticator;
    private final WebSocketTickets tickets;
    private final ErasedUsers erasedUsers;
    private final ConnectedUsers connected;

    LiveSocketHandler(LiveFeed feed, LiveFeedStore store, TokenAuthenticator authenticator, WebSocketTickets tickets,
            ErasedUsers erasedUsers, ConnectedUsers connected) {
        this.feed = feed;
        this.store = store;
        this.authenticator = authenticator;
        this.tickets = tickets;
        this.erasedUsers = erasedUsers;
        this.connected = connected;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws IOException {
        SocketHandshake.Opened opened = SocketHandshake.open(session, authenticator, tickets, erasedUsers).orElse(null);
        if (opened == null) {
            return;
        }
        Map<String, List<String>> parameters = opened.parameters();
        TokenAuthenticator.Authenticated authenticated = opened.authenticated();
        CurrentUser user = authenticated.user();
        SubscriptionRequest.Parsed request;
        try {
            request = SubscriptionRequest.parse(parameters, user);
            requireVisible(request.subscription(), user);
        } catch (SubscriptionRequest.Refusal refusal) {
            session.close(new CloseStatus(refusal.code, refusal.getMessage()));
            return;
        }
        if (session instanceof StandardWebSocketSession standard) {
            standard.getNativeSession().getUserProperties().put(TOMCAT_SEND_TIMEOUT,
                    feed.properties().sendTimeout().toMillis());
        }
        Subscriber subscriber = feed.register(user.id(), request.subscription(), new SessionSink(session));
        if (subscriber == null) {
            session.close(new CloseStatus(LiveFeed.CLOSE_TRY_AGAIN_LATER, "Too many connections; try again later"));
            return;
        }
        // Before anything is sent: a close during catch-up must find it to unregister it.
        session.getAttributes().put(SUBSCRIBER, subscriber);
        connected.opened(session.getId(), user.id(), () -> subscriber.close(SocketHandshake.CLOSE_USER_ERASED, "This user was erased"));
        feed.start(subscriber, request.after(), authenticated.expiresAt());
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        connected.closed(session.getId());
        Object subscriber = session.getAttributes().remove(SUBSCRIBER);
        if (subscriber instanceof Subscriber s) {
            s.disconnected();
        }
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        // The protocol is one-way: what to follow is fixed at connect time. Messages are ignored.
    }

    /** A user who names another user's download is refused; a download not yet seen is followed (filtered by owner). */
    private void requireVisible(Subscription subscription, CurrentUser user) throws SubscriptionRequest.Refusal {
        if (subscription.downloadId() != null && !user.admin()) {
            String owner = store.download(subscription.downloadId()).map(LiveFeedStore.LiveDownload::owner).orElse(null);
            if (owner != null && !owner.equals(user.id())) {
                throw new SubscriptionRequest.Refusal(SubscriptionRequest.CLOSE_FORBIDDEN, "Not your download");
            }
        }
    }

    private record SessionSink(WebSocketSession session) implements Subscriber.Sink {
        @Override
        public void send(String text) throws IOException {
            session.sendMessage(new TextMessage(text));
        }

        @Override
        public void close(int code, String reason) {
            try {
                session.close(new CloseStatus(code, reason));
            } catch (IOException | RuntimeException e) {
                // the connection is gone already
            }
        }
    }
}
