package io.picflow.query.live;

import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.platform.security.TokenAuthenticator;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * What the WebSocket endpoints read from a handshake: its query parameters and its credential, a one-time
 * {@code ticket} (what the web page uses) or a bearer token ({@code access_token} or the header).
 */
public final class SocketHandshake {

    public static final int CLOSE_BAD_REQUEST = 4400;
    public static final int CLOSE_UNAUTHENTICATED = 4401;
    /** The user was erased ({@code DELETE /api/users/me}): like HTTP's 404 for an unknown subject, nothing to retry. */
    public static final int CLOSE_USER_ERASED = 4404;
    /** The frames after the client's {@code after=} are no longer kept (live-feed retention): reconnect without it. */
    public static final int CLOSE_HISTORY_GONE = 4410;

    /** An authenticated connection: its query parameters and whom its token (or ticket) speaks for. */
    public record Opened(Map<String, List<String>> parameters, TokenAuthenticator.Authenticated authenticated) {
    }

    private SocketHandshake() {
    }

    /**
     * Reads the handshake of a new connection and authenticates its ticket or token; closes the connection
     * (4400 for a malformed query string or both a ticket and a token, 4401 for an unknown, used or expired
     * ticket or a missing, invalid or expired token, 4404 for an erased user) and returns empty if that fails. A ticket is used up
     * by this call, whatever happens to the connection next.
     */
    public static Optional<Opened> open(WebSocketSession session, TokenAuthenticator authenticator, WebSocketTickets tickets,
            ErasedUsers erasedUsers) throws IOException {
        Map<String, List<String>> parameters;
        try {
            parameters = queryParameters(session.getUri());
        } catch (IllegalArgumentException e) {
            session.close(new CloseStatus(CLOSE_BAD_REQUEST, "Malformed query string"));
            return Optional.empty();
        }
        List<String> ticketValues = parameters.getOrDefault("ticket", List.of()).stream()
                .filter(v -> v != null && !v.isEmpty()).toList();
        String token = token(session, parameters);
        boolean tokenGiven = token != null && !token.isBlank();
        if (ticketValues.size() > 1) {
            session.close(new CloseStatus(CLOSE_BAD_REQUEST, "ticket: given more than once"));
            return Optional.empty();
        }
        if (!ticketValues.isEmpty() && tokenGiven) {
            // Refused before the ticket is taken: which of the two should count is the client's to say.
            session.close(new CloseStatus(CLOSE_BAD_REQUEST, "Give either ticket= or a token, not both"));
            return Optional.empty();
        }
        if (!ticketValues.isEmpty()) {
            TokenAuthenticator.Authenticated authenticated = tickets.redeem(ticketValues.get(0)).orElse(null);
            if (authenticated == null) {
                session.close(new CloseStatus(CLOSE_UNAUTHENTICATED, "Unknown, used or expired ticket"));
                return Optional.empty();
            }
            return notErased(session, erasedUsers, new Opened(parameters, authenticated));
        }
        TokenAuthenticator.Authenticated authenticated = authenticator.authenticate(token).orElse(null);
        if (authenticated == null) {
            session.close(new CloseStatus(CLOSE_UNAUTHENTICATED, "Missing, invalid or expired token"));
            return Optional.empty();
        }
        return notErased(session, erasedUsers, new Opened(parameters, authenticated));
    }

    /** An erased user's token may still be valid; the user it speaks for is gone (4404). */
    private static Optional<Opened> notErased(WebSocketSession session, ErasedUsers erasedUsers, Opened opened) throws IOException {
        if (erasedUsers.erasedAt(opened.authenticated().user().id()).isPresent()) {
            session.close(new CloseStatus(CLOSE_USER_ERASED, "This user was erased"));
            return Optional.empty();
        }
        return Optional.of(opened);
    }

    /**
     * The bearer token, if any: {@code access_token} (kept for clients that cannot set headers and have
     * no ticket) before the {@code Authorization} header.
     */
    public static String token(WebSocketSession session, Map<String, List<String>> parameters) {
        List<String> fromQuery = parameters.get("access_token");
        if (fromQuery != null && !fromQuery.isEmpty()) {
            return fromQuery.get(0);
        }
        String header = session.getHandshakeHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return null;
    }

    public static Map<String, List<String>> queryParameters(URI uri) {
        Map<String, List<String>> decoded = new LinkedHashMap<>();
        if (uri == null) {
            return decoded;
        }
        UriComponentsBuilder.fromUri(uri).build().getQueryParams().forEach((name, values) -> decoded.put(
                decode(name), values.stream().map(v -> v == null ? null : decode(v)).toList()));
        return decoded;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

}
