package io.picflow.query.live;

import io.picflow.platform.web.ProblemException;
import java.time.Instant;
import java.util.List;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ws-tickets}: trades the caller's bearer token for a one-time ticket to open {@code /ws}
 * or {@code /ws/admin} with ({@code ?ticket=}), so that a browser's token never appears in a URL.
 * Served by the query side, which owns the WebSocket endpoints and the tickets' table.
 */
@RestController
class WebSocketTicketController {

    record TicketResponse(String ticket, Instant expiresAt) {
    }

    private final WebSocketTickets tickets;

    WebSocketTicketController(WebSocketTickets tickets) {
        this.tickets = tickets;
    }

    @PostMapping(path = "/api/ws-tickets", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<TicketResponse> issue(@AuthenticationPrincipal Jwt token) {
        // The decoder allows some clock skew: a token past its exp may still get here, but its ticket would be dead.
        if (token.getExpiresAt() != null && !token.getExpiresAt().isAfter(Instant.now())) {
            throw new ProblemException(HttpStatus.UNAUTHORIZED, "Unauthorized", "The bearer token has expired");
        }
        List<String> roles = token.getClaimAsStringList("roles");
        WebSocketTickets.Issued issued;
        try {
            issued = tickets.issue(token.getSubject(), roles == null ? List.of() : roles, token.getExpiresAt());
        } catch (WebSocketTickets.TooManyTickets e) {
            throw ProblemException.tooManyRequests(e.getMessage() + "; use one, or wait until one expires", e.retryAfter);
        }
        // A ticket is a credential, if a short-lived one: no cache may keep the answer.
        return ResponseEntity.status(HttpStatus.CREATED).cacheControl(CacheControl.noStore())
                .body(new TicketResponse(issued.ticket(), issued.expiresAt()));
    }
}
