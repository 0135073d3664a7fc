package io.picflow.command.notifications;

import io.picflow.command.outbound.OutboundDeliveries;
import io.picflow.platform.web.ProblemException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/admin/notifications/deliveries}: the notifications' delivery log, newest first, each delivery with
 * its attempts. Served by the command side, which keeps the attempts and the providers' answers (neither travels in
 * events).
 */
@RestController
class DeliveryLogController {

    private static final Set<String> STATUSES = Set.of("PENDING", "HELD", "SENT", "FAILED", "SKIPPED");

    private final JdbcClient jdbc;
    private final OutboundDeliveries deliveries;

    DeliveryLogController(JdbcClient jdbc, OutboundDeliveries deliveries) {
        this.jdbc = jdbc;
        this.deliveries = deliveries;
    }

    record Entry(String deliveryId, String userId, OutboundDeliveries.Recorded delivery, List<OutboundDeliveries.Attempt> attempts) {
    }

    record Page(List<Entry> items, int page, int size, long total) {
    }

    @GetMapping("/api/admin/notifications/deliveries")
    Page deliveries(@RequestParam(required = false) String userId, @RequestParam(required = false) String channel,
            @RequestParam(required = false) String status, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "20") int size) {
        if (page < 0 || size < 1 || size > 100) {
            throw ProblemException.badRequest("page: 0 or more; size: 1 to 100");
        }
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.badRequest("status: one of " + STATUSES);
        }
        if (channel != null && !PreferencesDocument.CHANNELS.contains(channel)) {
            throw ProblemException.badRequest("channel: one of " + PreferencesDocument.CHANNELS);
        }
        String where = "WHERE user_id IS NOT NULL AND (CAST(:user AS VARCHAR) IS NULL OR user_id = :user) "
                + "AND (CAST(:channel AS VARCHAR) IS NULL OR channel = :channel) AND (CAST(:status AS VARCHAR) IS NULL OR status = :status) "
                + "AND created_at >= :from AND created_at < :to";
        java.sql.Timestamp fromTime = java.sql.Timestamp.from(instant("from", from, Instant.EPOCH));
        java.sql.Timestamp toTime = java.sql.Timestamp.from(instant("to", to, Instant.parse("9999-01-01T00:00:00Z")));
        long total = jdbc.sql("SELECT count(*) FROM outbound_delivery " + where)
                .param("user", userId).param("channel", channel).param("status", status).param("from", fromTime).param("to", toTime)
                .query(Long.class).single();
        List<String[]> ids = jdbc.sql("SELECT delivery_id, user_id FROM outbound_delivery " + where
                        + " ORDER BY created_at DESC, seq DESC LIMIT :size OFFSET :offset")
                .param("user", userId).param("channel", channel).param("status", status).param("from", fromTime).param("to", toTime)
                .param("size", size).param("offset", (long) page * size)
                .query((row, i) -> new String[] {row.getString(1), row.getString(2)}).list();
        List<Entry> items = ids.stream().flatMap(id -> deliveries.find(id[0]).stream()
                .map(found -> new Entry(id[0], id[1], found, deliveries.attempts(id[0])))).toList();
        return new Page(items, page, size, total);
    }

    private static Instant instant(String name, String value, Instant otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(name + ": an ISO-8601 instant such as 2026-12-06T10:00:00Z");
        }
    }
}
