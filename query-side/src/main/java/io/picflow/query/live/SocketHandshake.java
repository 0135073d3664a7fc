package io.picflow.query.live;

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

/** What the WebSocket endpoints read from a handshake: its query parameters and its bearer token. */
public final class SocketHandshake {

    public static final int CLOSE_BAD_REQUEST = 4400;
    public static final int CLOSE_UNAUTHENTICATED = 4401;
    /** The user was erased ({@code DELETE /api/users/me}). */
    public static final int CLOSE_GONE = 4410;

    /** An authenticated connection: its query parameters and whom its token speaks for. */
    public record Opened(Map<String, List<String>> parameters, TokenAuthenticator.Authenticated authenticated) {
    }

    private SocketHandshake() {
    }

    /**
     * Reads the handshake of a new connection and authenticates its token; closes the connection (4400 for a
     * malformed query string, 4401 for a missing, invalid or expired token) and returns empty if that fails.
     */
    public static Optional<Opened> open(WebSocketSession session, TokenAuthenticator authenticator) throws IOException {
        Map<String, List<String>> parameters;
        try {
            parameters = queryParameters(session.getUri());
        } catch (IllegalArgumentException e) {
            session.close(new CloseStatus(CLOSE_BAD_REQUEST, "Malformed query string"));
            return Optional.empty();
        }
        TokenAuthenticator.Authenticated authenticated = authenticator.authenticate(token(session, parameters)).orElse(null);
        if (authenticated == null) {
            session.close(new CloseStatus(CLOSE_UNAUTHENTICATED, "Missing, invalid or expired token"));
            return Optional.empty();
        }
        return Optional.of(new Opened(parameters, authenticated));
    }

    /** Browsers cannot set headers on a WebSocket, so the token may also come as access_token. */
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
