package io.picflow.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * Statements collected from a batch of events, executed as JDBC batches of identical SQL.
 *
 * <p>Each statement names the row it touches (its key). Statements on different rows commute;
 * statements on the same row keep their order. So each statement goes into the first round after
 * the last round that touched its row; a round executes each distinct SQL once, as one JDBC batch.
 * A hundred events of a few kinds cost a few round trips instead of a hundred.
 */
public final class SqlBatch implements BatchedWrites.Batch {

    private record Statement(String sql, SqlParameterSource parameters) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final List<Map<String, List<Statement>>> rounds = new ArrayList<>();
    private final Map<String, Integer> lastRoundOfRow = new HashMap<>();

    public SqlBatch(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Adds {@code sql} with {@code parameters}; {@code row} identifies the one row (or pair of rows) it writes. */
    public SqlBatch add(String row, String sql, Map<String, ?> parameters) {
        int round = lastRoundOfRow.merge(row, 0, (last, ignored) -> last + 1);
        while (rounds.size() <= round) {
            rounds.add(new LinkedHashMap<>());
        }
        rounds.get(round).computeIfAbsent(sql, ignored -> new ArrayList<>()).add(new Statement(sql, new MapSqlParameterSource(parameters)));
        return this;
    }

    /** Parameters from alternating names and values; unlike {@code Map.of}, values may be null. */
    public static Map<String, Object> parameters(Object... namesAndValues) {
        Map<String, Object> parameters = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            parameters.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return parameters;
    }

    @Override
    public void flush() {
        for (Map<String, List<Statement>> round : rounds) {
            round.forEach((sql, statements) -> {
                if (statements.size() == 1) {
                    jdbc.update(sql, statements.get(0).parameters());
                } else {
                    jdbc.batchUpdate(sql, statements.stream().map(Statement::parameters).toArray(SqlParameterSource[]::new));
                }
            });
        }
        rounds.clear();
        lastRoundOfRow.clear();
    }
}
