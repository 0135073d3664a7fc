package io.picflow.query.images;

import static io.picflow.query.SqlBatch.parameters;

import io.picflow.platform.privacy.ErasedUsers;
import io.picflow.query.SqlBatch;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code image} and {@code image_source} tables, written only by {@link ImageProjection}. */
@Repository
public class ImageReadModel {

    private final JdbcClient jdbc;
    private final ErasedUsers erasedUsers;

    public ImageReadModel(JdbcClient jdbc, ErasedUsers erasedUsers) {
        this.jdbc = jdbc;
        this.erasedUsers = erasedUsers;
    }

    /** Adds to {@code batch} the record of a stored image and where it came from; repeated deliveries change nothing. */
    void recordStored(SqlBatch batch, StoredImage image, String downloadId, String url, String requestedBy, Instant at) {
        OffsetDateTime storedAt = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
        batch.add("image:" + image.imageId(), "INSERT INTO image (image_id, sha256, format, content_type, width, height, bytes, stored_at) "
                        // Stored when first stored, whichever of two downloads of the same bytes commits first.
                        + "VALUES (:id, :sha, :format, :type, :width, :height, :bytes, :at) "
                        + "ON CONFLICT (image_id) DO UPDATE SET stored_at = LEAST(image.stored_at, excluded.stored_at)",
                parameters("id", image.imageId(), "sha", image.sha256(), "format", image.format(), "type", image.contentType(),
                        "width", image.width(), "height", image.height(), "bytes", image.bytes(), "at", storedAt));
        batch.add("image_source:" + image.imageId().length() + ":" + image.imageId() + downloadId,
                // Not for an erased user: their download may be stored after the erasure, or be replayed by a rebuild.
                "INSERT INTO image_source (image_id, download_id, url, requested_by, stored_at) "
                        + "SELECT :id, :download, :url, :user, :at WHERE " + erasedUsers.notErased("user")
                        + " ON CONFLICT (image_id, download_id) DO NOTHING",
                parameters("id", image.imageId(), "download", downloadId, "url", url, "user", requestedBy, "at", storedAt));
    }

    /**
     * Forgets where the user's images came from; the images stay in the shared library. The lock waits for writers
     * that started before the erasure was recorded, so their rows are deleted too.
     */
    void erase(String userId) {
        jdbc.sql("LOCK TABLE image_source IN SHARE ROW EXCLUSIVE MODE").update();
        jdbc.sql("DELETE FROM image_source WHERE requested_by = :user").param("user", userId).update();
    }

    public Optional<StoredImage> find(String imageId) {
        List<StoredImage.Source> sources = jdbc.sql("SELECT DISTINCT url, requested_by FROM image_source WHERE image_id = :id")
                .param("id", imageId)
                .query((rs, row) -> new StoredImage.Source(rs.getString("url"), rs.getString("requested_by"))).list();
        return jdbc.sql("SELECT image_id, format, content_type, width, height, bytes, sha256, stored_at FROM image WHERE image_id = :id")
                .param("id", imageId)
                .query((rs, row) -> new StoredImage(rs.getString("image_id"), rs.getString("format"), rs.getString("content_type"),
                        rs.getInt("width"), rs.getInt("height"), rs.getLong("bytes"), rs.getString("sha256"), sources,
                        rs.getObject("stored_at", OffsetDateTime.class).toInstant(), 0))
                .optional();
    }
}
