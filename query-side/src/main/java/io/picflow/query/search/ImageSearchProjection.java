package io.picflow.query.search;

import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import java.net.URI;
import io.picflow.events.users.UserErased;
import io.picflow.platform.privacy.ErasedUsers;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.async.SequentialPerAggregatePolicy;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Feeds the image search index. Each event becomes a partial upsert of the image's document; a batch's
 * upserts go to Elasticsearch in one bulk request just before the batch's transaction commits, so the
 * processor's position only moves once Elasticsearch has them. When Elasticsearch is down, frozen (the bulk
 * gives up after {@code picflow.elasticsearch.socket-timeout}) or its circuit breaker is open, the bulk
 * fails, the batch rolls back and the processor retries it (no dead letters for an outage, nothing lost).
 * Upserts make the order of an image's events irrelevant: a favorite may arrive before the image. All
 * events of one image are in one sequence ({@link #BY_IMAGE}), hence one segment: two segments never
 * count the same image's favorites or race to write its document.
 */
@Component
@ProcessingGroup(ImageSearchProjection.PROCESSING_GROUP)
class ImageSearchProjection {

    static final String PROCESSING_GROUP = "image-search";
    private static final String BULK = "picflow.image-search.bulk";

    /** Sequences this group's events by image (the default, by aggregate, would split an image's events). */
    static final SequencingPolicy<EventMessage<?>> BY_IMAGE = event -> {
        Object payload = event.getPayload();
        if (payload instanceof ImageStored stored) {
            return stored.imageId();
        } else if (payload instanceof ImageFavorited favorited) {
            return favorited.imageId();
        } else if (payload instanceof ImageUnfavorited unfavorited) {
            return unfavorited.imageId();
        }
        return SequentialPerAggregatePolicy.instance().getSequenceIdentifierFor(event);
    };

    private final ImageSearchIndex index;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ErasedUsers erasedUsers;

    ImageSearchProjection(ImageSearchIndex index, JdbcClient jdbc, JsonMapper json, ErasedUsers erasedUsers) {
        this.index = index;
        this.jdbc = jdbc;
        this.json = json;
        this.erasedUsers = erasedUsers;
    }

    /**
     * The image's document gets this download's contribution (file name, tags, source host, requester), which is
     * recorded in {@code image_search_source}; a download of an erased user contributes nothing but the image.
     */
    @EventHandler
    void on(ImageStored event, @Timestamp Instant at) {
        ObjectNode doc = json.createObjectNode();
        doc.put("imageId", event.imageId());
        doc.put("contentType", event.contentType());
        doc.put("width", event.width());
        doc.put("height", event.height());
        doc.put("storedAt", at.toString());
        Contribution contribution = new Contribution(event.fileName(), event.tags() == null ? List.of() : event.tags(),
                host(event.sourceUrl()), event.requestedBy());
        int recorded = jdbc.sql("INSERT INTO image_search_source (image_id, download_id, requested_by, file_name, tags, source_host, stored_at) "
                        + "SELECT :image, :download, :user, :fileName, :tags, :host, :at WHERE " + erasedUsers.notErased("user")
                        + " ON CONFLICT DO NOTHING")
                .param("image", event.imageId()).param("download", event.downloadId()).param("user", event.requestedBy())
                .param("fileName", contribution.fileName()).param("tags", contribution.tags().toArray(String[]::new))
                .param("host", contribution.sourceHost()).param("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))
                .update();
        if (recorded == 1 || !erased(event.requestedBy())) {
            contribution.writeTo(doc, json);
        }
        // Counted after the insert, which may have waited for an erasure's lock: the count then leaves its favorites out.
        doc.put("favoriteCount", favoriteCount(event.imageId()));
        upsert(event.imageId(), doc);
    }

    /**
     * The user's contributions leave every document they shaped: each is rewritten from the latest contribution
     * left (or none); their image favorites stop counting. The locks wait for writers that started before the
     * erasure was recorded, so their rows are seen.
     */
    @EventHandler
    void on(UserErased event) {
        String userId = event.userId();
        jdbc.sql("LOCK TABLE image_search_source IN SHARE ROW EXCLUSIVE MODE").update();
        jdbc.sql("LOCK TABLE image_search_favorite IN SHARE ROW EXCLUSIVE MODE").update();
        List<String> shaped = jdbc.sql("DELETE FROM image_search_source WHERE requested_by = :user RETURNING image_id")
                .param("user", userId).query(String.class).list();
        List<String> favorited = jdbc.sql("DELETE FROM image_search_favorite WHERE user_id = :user RETURNING image_id")
                .param("user", userId).query(String.class).list();
        for (String imageId : new TreeSet<>(shaped)) {
            ObjectNode doc = json.createObjectNode();
            doc.put("imageId", imageId);
            latestContribution(imageId).orElse(Contribution.NONE).writeTo(doc, json);
            upsert(imageId, doc);
        }
        new TreeSet<>(favorited).forEach(this::upsertFavoriteCount);
    }

    /** What one download contributed to its image's document. */
    private record Contribution(String fileName, List<String> tags, String sourceHost, String requestedBy) {

        static final Contribution NONE = new Contribution(null, List.of(), null, null);

        void writeTo(ObjectNode doc, JsonMapper json) {
            doc.put("fileName", fileName);
            doc.set("tags", json.valueToTree(tags));
            doc.put("sourceHost", sourceHost);
            doc.put("requestedBy", requestedBy);
            List<String> words = new ArrayList<>(tags);
            words.add(fileName);
            words.add(sourceHost);
            doc.put("text", ImageSearchIndex.searchText(words.toArray(String[]::new)));
        }
    }

    private Optional<Contribution> latestContribution(String imageId) {
        return jdbc.sql("SELECT file_name, tags, source_host, requested_by FROM image_search_source WHERE image_id = :image "
                        + "ORDER BY stored_at DESC, download_id DESC LIMIT 1")
                .param("image", imageId)
                .query((rs, row) -> new Contribution(rs.getString(1), List.of((String[]) rs.getArray(2).getArray()), rs.getString(3),
                        rs.getString(4)))
                .optional();
    }

    private boolean erased(String userId) {
        return jdbc.sql("SELECT count(*) FROM " + "(SELECT 1 WHERE NOT " + erasedUsers.notErased("user") + ") AS erased")
                .param("user", userId).query(Long.class).single() > 0;
    }

    @EventHandler
    void on(ImageFavorited event) {
        jdbc.sql("INSERT INTO image_search_favorite (image_id, user_id) SELECT :image, :user WHERE " + erasedUsers.notErased("user")
                        + " ON CONFLICT DO NOTHING")
                .param("image", event.imageId()).param("user", event.actorId()).update();
        upsertFavoriteCount(event.imageId());
    }

    @EventHandler
    void on(ImageUnfavorited event) {
        jdbc.sql("DELETE FROM image_search_favorite WHERE image_id = :image AND user_id = :user")
                .param("image", event.imageId()).param("user", event.actorId()).update();
        upsertFavoriteCount(event.imageId());
    }

    private void upsertFavoriteCount(String imageId) {
        ObjectNode doc = json.createObjectNode();
        doc.put("imageId", imageId);
        doc.put("favoriteCount", favoriteCount(imageId));
        upsert(imageId, doc);
    }

    private long favoriteCount(String imageId) {
        return jdbc.sql("SELECT count(*) FROM image_search_favorite WHERE image_id = :image").param("image", imageId)
                .query(Long.class).single();
    }

    private void upsert(String imageId, ObjectNode doc) {
        String action = json.writeValueAsString(Map.of("update", Map.of("_index", index.writeIndex(), "_id", imageId,
                "retry_on_conflict", 3)));
        String body = json.writeValueAsString(Map.of("doc", doc, "doc_as_upsert", true));
        List<String> bulk = batchBulk();
        bulk.add(action);
        bulk.add(body);
    }

    /** The bulk request of the current batch, sent once before the batch commits. */
    private List<String> batchBulk() {
        UnitOfWork<?> root = CurrentUnitOfWork.get().root();
        return root.getOrComputeResource(BULK, key -> {
            List<String> lines = new ArrayList<>();
            root.onPrepareCommit(unitOfWork -> index.bulk(lines));
            return lines;
        });
    }

    private static String host(String url) {
        try {
            return url == null ? null : URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
