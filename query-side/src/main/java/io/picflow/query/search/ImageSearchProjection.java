package io.picflow.query.search;

import io.picflow.events.downloads.ImageStored;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * processor's position only moves once Elasticsearch has them. When Elasticsearch is down the bulk
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

    ImageSearchProjection(ImageSearchIndex index, JdbcClient jdbc, JsonMapper json) {
        this.index = index;
        this.jdbc = jdbc;
        this.json = json;
    }

    @EventHandler
    void on(ImageStored event, @Timestamp Instant at) {
        ObjectNode doc = json.createObjectNode();
        doc.put("imageId", event.imageId());
        doc.put("fileName", event.fileName());
        doc.set("tags", json.valueToTree(event.tags() == null ? List.of() : event.tags()));
        doc.put("sourceHost", host(event.sourceUrl()));
        doc.put("contentType", event.contentType());
        doc.put("width", event.width());
        doc.put("height", event.height());
        doc.put("requestedBy", event.requestedBy());
        doc.put("storedAt", at.toString());
        doc.put("favoriteCount", favoriteCount(event.imageId()));
        List<String> words = new ArrayList<>(event.tags() == null ? List.of() : event.tags());
        words.add(event.fileName());
        words.add(host(event.sourceUrl()));
        doc.put("text", ImageSearchIndex.searchText(words.toArray(String[]::new)));
        upsert(event.imageId(), doc);
    }

    @EventHandler
    void on(ImageFavorited event) {
        jdbc.sql("INSERT INTO image_search_favorite (image_id, user_id) VALUES (:image, :user) ON CONFLICT DO NOTHING")
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
