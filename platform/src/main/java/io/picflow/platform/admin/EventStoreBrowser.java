package io.picflow.platform.admin;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Reads {@code domain_event_entry} for the event browser, with plain SQL beside Axon's engine (which
 * can only stream by position or read one aggregate).
 *
 * <p>Each filter is written with exactly the expression that the event store's V2 migration indexes
 * ({@code picflow_correlation_id(meta_data)}, {@code picflow_event_type(payload_type)},
 * {@code picflow_event_time(time_stamp)}): PostgreSQL uses an expression index only for the identical
 * expression. A correlation id thus reads one user action's causal chain from its index, already in
 * position order; an aggregate id uses the {@code (aggregate_identifier, sequence_number)} constraint.
 *
 * <p>A page costs two statements: one counts the matches (and finds their first and last position),
 * the other reads the page. Without a correlation or aggregate filter, the page is also bounded by
 * those positions: event time rises with position, so a time range otherwise tempts the planner to
 * walk the primary key from the very first event, filtering out everything before the range.
 */
public class EventStoreBrowser {

    /** An SQL statement with its named parameters. */
    public record Sql(String text, Map<String, Object> parameters) {
    }

    /** How many events match a query, and the positions of the first and the last (0 when none). */
    public record Matches(long total, long firstPosition, long lastPosition) {
    }

    private static final String TABLE = " FROM domain_event_entry";
    private static final String COLUMNS = "SELECT global_index, event_identifier, payload_type, aggregate_identifier, type, "
            + "sequence_number, time_stamp, payload_revision, payload, meta_data";

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectReader json;
    private final JsonNodeFactory nodes;

    public EventStoreBrowser(NamedParameterJdbcTemplate jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        // Trailing bytes after a JSON value mean the payload is not JSON: show it as text instead.
        this.json = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.nodes = json.getNodeFactory();
    }

    /** One page of the events that match {@code query}, in position order. */
    public EventPage page(EventQuery query) {
        Sql count = countQuery(query);
        Matches matches = jdbc.queryForObject(count.text(), count.parameters(), (rs, row) ->
                new Matches(rs.getLong("total"), rs.getLong("first_position"), rs.getLong("last_position")));
        if (matches.total() == 0 || query.offset() >= matches.total()) {
            return new EventPage(List.of(), query.page(), query.size(), matches.total());
        }
        Sql page = pageQuery(query, matches);
        List<EventView> items = jdbc.query(page.text(), page.parameters(), (rs, row) -> view(rs));
        return new EventPage(items, query.page(), query.size(), matches.total());
    }

    /** The statement that counts the matches of {@code query} (public so that tests can EXPLAIN it). */
    public static Sql countQuery(EventQuery query) {
        Filters filters = Filters.of(query);
        return new Sql("SELECT count(*) AS total, min(global_index) AS first_position, max(global_index) AS last_position"
                + TABLE + filters.where(), filters.parameters);
    }

    /** The statement that reads the page of {@code query}, given its {@code matches} (public so that tests can EXPLAIN it). */
    public static Sql pageQuery(EventQuery query, Matches matches) {
        Filters filters = Filters.of(query);
        if (query.correlationId() == null && query.aggregateId() == null) {
            filters.add("global_index BETWEEN :firstPosition AND :lastPosition", "firstPosition", matches.firstPosition());
            filters.parameters.put("lastPosition", matches.lastPosition());
        }
        filters.parameters.put("limit", query.size());
        filters.parameters.put("offset", query.offset());
        return new Sql(COLUMNS + TABLE + filters.where() + " ORDER BY global_index LIMIT :limit OFFSET :offset",
                filters.parameters);
    }

    private EventView view(ResultSet rs) throws SQLException {
        byte[] metaData = rs.getBytes("meta_data");
        return new EventView(rs.getLong("global_index"), rs.getString("event_identifier"),
                EventTypes.simpleName(rs.getString("payload_type")), rs.getString("aggregate_identifier"), rs.getString("type"),
                rs.getLong("sequence_number"), Instant.parse(rs.getString("time_stamp")), rs.getString("payload_revision"),
                json(rs.getBytes("payload")), metaData == null ? nodes.objectNode() : json(metaData));
    }

    /** The bytes as JSON; bytes that are not JSON (which Axon's Jackson serializer never writes) as a JSON string. */
    private JsonNode json(byte[] bytes) {
        try {
            JsonNode node = json.readTree(bytes);
            if (node != null && !node.isMissingNode()) {
                return node;
            }
        } catch (JacksonException notJson) {
            // Shown as text below: an odd row must not make the whole page fail.
        }
        return nodes.stringNode(new String(bytes, StandardCharsets.UTF_8));
    }

    /** The WHERE conditions of a query and their parameters, each condition in the form its index expects. */
    private static final class Filters {
        private final List<String> conditions = new ArrayList<>();
        private final Map<String, Object> parameters = new LinkedHashMap<>();

        static Filters of(EventQuery query) {
            Filters filters = new Filters();
            if (query.correlationId() != null) {
                filters.add("picflow_correlation_id(meta_data) = :correlationId", "correlationId", query.correlationId());
            }
            if (query.type() != null) {
                filters.add("picflow_event_type(payload_type) = :type", "type", query.type());
            }
            if (query.aggregateId() != null) {
                filters.add("aggregate_identifier = :aggregateId", "aggregateId", query.aggregateId());
            }
            if (query.from() != null) {
                filters.add("picflow_event_time(time_stamp) >= :from", "from", OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
            }
            if (query.to() != null) {
                filters.add("picflow_event_time(time_stamp) < :to", "to", OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
            }
            return filters;
        }

        void add(String condition, String name, Object value) {
            conditions.add(condition);
            parameters.put(name, value);
        }

        String where() {
            return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        }
    }
}
