-- One-time tickets for the WebSocket handshake (POST /api/ws-tickets, docs/websocket.md). A browser
-- cannot set headers on a WebSocket, and a bearer token in the URL ends up in access logs; a ticket is
-- good for seconds and for one handshake only. It is stored here rather than in a node's memory so that
-- any query node can take it, and only once. Only its SHA-256 is kept: what this table holds cannot be
-- used to connect.
CREATE TABLE ws_ticket (
    ticket_hash      CHAR(64)     PRIMARY KEY,
    user_id          VARCHAR(255) NOT NULL,
    -- The token's roles (user, admin): /ws/admin needs admin, /ws?types= too.
    roles            TEXT[]       NOT NULL,
    -- The connection opened with the ticket still closes when this token expires (every token has an exp).
    token_expires_at TIMESTAMPTZ  NOT NULL,
    expires_at       TIMESTAMPTZ  NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now()
);
-- Each issuance deletes a batch of expired tickets, oldest first.
CREATE INDEX ws_ticket_by_expiry ON ws_ticket (expires_at);
-- The cap on a user's outstanding tickets, and deleting all of a user's tickets.
CREATE INDEX ws_ticket_by_user ON ws_ticket (user_id, expires_at);
