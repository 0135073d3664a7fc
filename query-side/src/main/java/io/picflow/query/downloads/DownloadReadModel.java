package io.picflow.query.downloads;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import io.picflow.platform.privacy.ErasedUsers;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code download} table: one row per download, written only by {@link DownloadProjection}. */
@Repository
public class DownloadReadModel {

    private static final String COLUMNS = "download_id, url, file_name, tags, status, requested_by, correlation_id, "
            + "requested_at, updated_at, bytes_received, total_bytes, attempt, image_id, error_code, error_message, "
            + "error_retryable, next_attempt_at";

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batch;
    private final ErasedUsers erasedUsers;

    public DownloadReadModel(JdbcClient jdbc, NamedParameterJdbcTemplate batch, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.erasedUsers = erasedUsers;
    }

    /**
     * Inserts requested downloads; a second delivery of the same event changes nothing, and nothing is inserted for
     * a user who is erased (their request may be processed after the erasure, by a segment that lags).
     */
    void insertRequested(Collection<DownloadView> requested) {
        if (requested.isEmpty()) {
            return;
        }
        batch.batchUpdate("INSERT INTO download (download_id, url, file_name, tags, status, requested_by, correlation_id, "
                        + "requested_at, updated_at, version) SELECT :id, :url, :fileName, :tags, :status, :requestedBy, "
                        + ":correlationId, :requestedAt, :updatedAt, 0 WHERE " + erasedUsers.notErased("requestedBy")
                        + " ON CONFLICT (download_id) DO NOTHING",
                requested.stream().map(download -> new MapSqlParameterSource()
                        .addValue("id", download.downloadId())
                        .addValue("url", download.url())
                        .addValue("fileName", download.fileName())
                        .addValue("tags", download.tags().toArray(String[]::new))
                        .addValue("status", download.status().name())
                        .addValue("requestedBy", download.requestedBy())
                        .addValue("correlationId", download.correlationId())
                        .addValue("requestedAt", utc(download.requestedAt()))
                        .addValue("updatedAt", utc(download.updatedAt()))).toArray(SqlParameterSource[]::new));
    }

    /**
     * Applies each download's folded changes, unless its row already reflects the last of those events or
     * a later one ({@code version}): redelivery and replay are harmless. Downloads whose changes set the
     * same columns share one JDBC batch.
     */
    void apply(Collection<DownloadBatch.FoldedChange> changes) {
        Map<String, List<SqlParameterSource>> bySql = new LinkedHashMap<>();
        for (DownloadBatch.FoldedChange change : changes) {
            StringBuilder sql = new StringBuilder("UPDATE download SET version = :sequence, updated_at = :at");
            change.columns.keySet().forEach(column -> sql.append(", ").append(column).append(" = :").append(column));
            sql.append(" WHERE download_id = :id AND version < :sequence");
            bySql.computeIfAbsent(sql.toString(), ignored -> new ArrayList<>()).add(new MapSqlParameterSource(change.columns)
                    .addValue("id", change.downloadId)
                    .addValue("sequence", change.sequence)
                    .addValue("at", utc(change.at)));
        }
        bySql.forEach((sql, parameters) -> batch.batchUpdate(sql, parameters.toArray(SqlParameterSource[]::new)));
    }

    /**
     * Deletes the user's downloads. The lock waits for the transactions that write the table and started before
     * the erasure was recorded (their insert of this user's row passed the guard), so the delete sees their rows.
     */
    void erase(String userId) {
        jdbc.sql("LOCK TABLE download IN SHARE ROW EXCLUSIVE MODE").update();
        jdbc.sql("DELETE FROM download WHERE requested_by = :user").param("user", userId).update();
    }

    private static OffsetDateTime utc(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    public Optional<DownloadView> find(String downloadId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM download WHERE download_id = :id")
                .param("id", downloadId)
                .query(DownloadReadModel::map)
                .optional();
    }

    /** One page of a user's downloads, newest first, optionally of one status. */
    public List<DownloadView> page(String requestedBy, DownloadStatus status, int page, int size) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM download WHERE requested_by = :user"
                        + (status == null ? "" : " AND status = :status")
                        + " ORDER BY requested_at DESC, download_id DESC LIMIT :limit OFFSET :offset")
                .param("user", requestedBy)
                .param("status", status == null ? null : status.name())
                .param("limit", size)
                .param("offset", (long) page * size)
                .query(DownloadReadModel::map)
                .list();
    }

    public long count(String requestedBy, DownloadStatus status) {
        return jdbc.sql("SELECT count(*) FROM download WHERE requested_by = :user"
                        + (status == null ? "" : " AND status = :status"))
                .param("user", requestedBy)
                .param("status", status == null ? null : status.name())
                .query(Long.class).single();
    }

    private static DownloadView map(ResultSet rs, int row) throws SQLException {
        Array tags = rs.getArray("tags");
        return new DownloadView(
                rs.getString("download_id"),
                rs.getString("url"),
                rs.getString("file_name"),
                tags == null ? List.of() : Arrays.asList((String[]) tags.getArray()),
                DownloadStatus.valueOf(rs.getString("status")),
                rs.getString("requested_by"),
                rs.getString("correlation_id"),
                instant(rs, "requested_at"),
                instant(rs, "updated_at"),
                rs.getLong("bytes_received"),
                rs.getObject("total_bytes", Long.class),
                rs.getInt("attempt"),
                rs.getString("image_id"),
                rs.getString("error_code") == null ? null : new DownloadView.DownloadError(rs.getString("error_code"),
                        rs.getString("error_message"), rs.getBoolean("error_retryable")),
                instant(rs, "next_attempt_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
