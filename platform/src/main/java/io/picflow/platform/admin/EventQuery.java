package io.picflow.platform.admin;

import io.picflow.platform.web.ProblemException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One request to the event browser, validated: every filter is optional (null), and all given filters
 * must match. Invalid values are the client's mistake, so they fail here as 400 problems with a detail
 * that says what is accepted, before any SQL runs.
 *
 * @param type          the event's simple name, e.g. {@code ImageDownloadRequested}
 * @param aggregateId   the aggregate the event belongs to
 * @param correlationId the user action the event descends from ({@code correlationId} metadata)
 * @param from          the earliest event time, inclusive
 * @param to            the end of the time range, exclusive
 * @param page          0-based page number
 * @param size          events per page, 1 to {@link #MAX_SIZE}
 */
public record EventQuery(String type, String aggregateId, String correlationId, Instant from, Instant to, int page, int size) {

    public static final int DEFAULT_SIZE = 100;
    public static final int MAX_SIZE = 1000;

    public EventQuery {
        if (page < 0) {
            throw ProblemException.badRequest("page must be 0 or more, was " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw ProblemException.badRequest("size must be 1 to " + MAX_SIZE + ", was " + size);
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw ProblemException.badRequest("from (inclusive) must be before to (exclusive), was from=" + from + " to=" + to);
        }
    }

    /**
     * The query from request parameters as given: blank means "no filter" (so {@code ?type=&from=} is
     * a query without those filters), and {@code type} must be one of {@code types}.
     */
    public static EventQuery of(EventTypes types, String type, String aggregateId, String correlationId,
            String from, String to, int page, int size) {
        String typeName = blankToNull(type);
        return new EventQuery(typeName == null ? null : types.require(typeName), blankToNull(aggregateId),
                blankToNull(correlationId), instant("from", from), instant("to", to), page, size);
    }

    /** How many matching events come before this page. */
    public long offset() {
        return (long) page * size;
    }

    private static Instant instant(String name, String value) {
        String text = blankToNull(value);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(name + " must be an ISO-8601 instant such as 2026-11-23T19:01:12Z or "
                    + "2026-11-23T19:01:12.345Z (a + in an offset must be sent as %2B), was '" + text + "'");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
