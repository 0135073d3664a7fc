package io.picflow.query.images;

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

    public ImageReadModel(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records a stored image and where it came from; repeated deliveries change nothing. */
    void recordStored(ImageView image, String downloadId, String url, String requestedBy, Instant at) {
        OffsetDateTime storedAt = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
        jdbc.sql("INSERT INTO image (image_id, sha256, format, content_type, width, height, bytes, stored_at) "
                        + "VALUES (:id, :sha, :format, :type, :width, :height, :bytes, :at) ON CONFLICT (image_id) DO NOTHING")
                .param("id", image.imageId()).param("sha", image.sha256()).param("format", image.format())
                .param("type", image.contentType()).param("width", image.width()).param("height", image.height())
                .param("bytes", image.bytes()).param("at", storedAt)
                .update();
        jdbc.sql("INSERT INTO image_source (image_id, download_id, url, requested_by, stored_at) "
                        + "VALUES (:id, :download, :url, :user, :at) ON CONFLICT (image_id, download_id) DO NOTHING")
                .param("id", image.imageId()).param("download", downloadId).param("url", url).param("user", requestedBy)
                .param("at", storedAt)
                .update();
    }

    public Optional<ImageView> find(String imageId) {
        List<String> sources = jdbc.sql("SELECT DISTINCT url FROM image_source WHERE image_id = :id ORDER BY url")
                .param("id", imageId).query(String.class).list();
        return jdbc.sql("SELECT image_id, format, content_type, width, height, bytes, sha256, stored_at FROM image WHERE image_id = :id")
                .param("id", imageId)
                .query((rs, row) -> new ImageView(rs.getString("image_id"), rs.getString("format"), rs.getString("content_type"),
                        rs.getInt("width"), rs.getInt("height"), rs.getLong("bytes"), rs.getString("sha256"), sources,
                        rs.getObject("stored_at", OffsetDateTime.class).toInstant(), 0))
                .optional();
    }
}
