package io.picflow.query.live;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;

/** What the WebSocket endpoints read from a handshake: its query parameters and its bearer token. */
public final class SocketHandshake {

    private SocketHandshake() {
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
