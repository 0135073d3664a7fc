package io.picflow.query.downloads;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code download} table: one row per download, written only by {@link DownloadProjection}. */
@Repository
public class DownloadReadModel {

    private static final String COLUMNS = "download_id, url, file_name, tags, status, requested_by, correlation_id, "
            + "requested_at, updated_at, bytes_received, total_bytes, attempt, image_id, error_code, error_message, "
            + "error_retryable, next_attempt_at";

    private final JdbcClient jdbc;

    public DownloadReadModel(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts a requested download; a second delivery of the same event changes nothing. */
    void insertRequested(DownloadView download) {
        jdbc.sql("INSERT INTO download (download_id, url, file_name, tags, status, requested_by, correlation_id, "
                        + "requested_at, updated_at, version) VALUES (:id, :url, :fileName, :tags, :status, :requestedBy, "
                        + ":correlationId, :requestedAt, :updatedAt, 0) ON CONFLICT (download_id) DO NOTHING")
                .param("id", download.downloadId())
                .param("url", download.url())
                .param("fileName", download.fileName())
                .param("tags", download.tags().toArray(String[]::new))
                .param("status", download.status().name())
                .param("requestedBy", download.requestedBy())
                .param("correlationId", download.correlationId())
                .param("requestedAt", OffsetDateTime.ofInstant(download.requestedAt(), java.time.ZoneOffset.UTC))
                .param("updatedAt", OffsetDateTime.ofInstant(download.updatedAt(), java.time.ZoneOffset.UTC))
                .update();
    }

    /**
     * Applies the changes an event makes, unless the row already reflects that event or a later one
     * ({@code version}): redelivery and replay are harmless.
     */
    void apply(String downloadId, long sequence, Instant at, DownloadChange change) {
        StringBuilder sql = new StringBuilder("UPDATE download SET version = :sequence, updated_at = :at");
        change.columns().keySet().forEach(column -> sql.append(", ").append(column).append(" = :").append(column));
        JdbcClient.StatementSpec statement = jdbc.sql(sql.append(" WHERE download_id = :id AND version < :sequence").toString())
                .param("id", downloadId)
                .param("sequence", sequence)
                .param("at", OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC));
        change.columns().forEach(statement::param);
        statement.update();
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
