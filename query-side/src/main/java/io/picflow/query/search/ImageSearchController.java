package io.picflow.query.search;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/images}: full-text search over file names, tags and source hosts, with filters,
 * sorting, pages and facet counts. Answers 503 with Retry-After while Elasticsearch is unavailable, within
 * {@code picflow.elasticsearch.search-timeout} even when it hangs, and at once while its circuit breaker is open.
 */
@RestController
class ImageSearchController {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImageSearchController.class);

    /** Elasticsearch refuses to page beyond 10,000 hits without a scroll. */
    private static final int MAX_WINDOW = 10_000;

    /**
     * One image found. {@code fileName}, {@code tags}, {@code sourceHost} and {@code requestedBy} come from one
     * of its downloads (the last stored); {@code requestedBy} is shown only to that user, and no hit carries
     * source URLs ({@code GET /api/images/{imageId}} shows them to whom it may).
     */
    record Hit(String imageId, String fileName, List<String> tags, String sourceHost, String contentType, Integer width,
            Integer height, String requestedBy, long favoriteCount, Instant storedAt) {
    }

    record Facet(String value, long count) {
    }

    record SearchPage(List<Hit> items, int page, int size, long total, Map<String, List<Facet>> facets) {
    }

    /** Retry-After of a failed search while the breaker is still closed (while it is open: until its trial calls). */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    /** 503 with Retry-After: Elasticsearch failed, was too slow, or its circuit breaker is open. */
    static final class SearchUnavailable extends ProblemException {

        private final Duration retryAfter;

        SearchUnavailable(Duration retryAfter) {
            super(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", "Search is unavailable right now; try again shortly");
            this.retryAfter = retryAfter;
        }

        @Override
        public Duration retryAfter() {
            return retryAfter;
        }
    }

    private final ImageSearchIndex index;
    private final ElasticsearchCalls calls;
    private final JsonMapper json;

    ImageSearchController(ImageSearchIndex index, ElasticsearchCalls calls, JsonMapper json) {
        this.index = index;
        this.calls = calls;
        this.json = json;
    }

    @GetMapping(path = "/api/images", produces = MediaType.APPLICATION_JSON_VALUE)
    SearchPage search(@RequestParam(required = false) @Size(max = 200, message = "q: at most 200 characters") String q,
            @RequestParam(required = false) List<String> tag,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) @Min(value = 1, message = "minWidth: 1 or more") Integer minWidth,
            @RequestParam(required = false) @Min(value = 1, message = "minHeight: 1 or more") Integer minHeight,
            @RequestParam(required = false) String sort,
            @RequestParam(defaultValue = "0") @Min(value = 0, message = "page: must be 0 or more") int page,
            @RequestParam(defaultValue = "20") @Min(value = 1, message = "size: must be 1 to 100")
            @Max(value = 100, message = "size: must be 1 to 100") int size) {
        if (tag != null && (tag.size() > 10 || tag.stream().anyMatch(t -> t.length() > 64))) {
            throw ProblemException.badRequest("tag: at most 10 tags of at most 64 characters");
        }
        if (q != null && ImageSearchIndex.searchText(q).isEmpty()) {
            q = null; // only punctuation: no words to search for
        }
        String order = sort == null ? (q == null || q.isBlank() ? "newest" : "relevance") : sort;
        if (!List.of("relevance", "newest", "favorites").contains(order)) {
            throw ProblemException.badRequest("sort: one of relevance, newest, favorites");
        }
        if (((long) page + 1) * size > MAX_WINDOW) {
            throw ProblemException.badRequest("page: at most the first " + MAX_WINDOW + " results can be paged through");
        }
        JsonNode answer;
        try {
            answer = index.search(json.writeValueAsString(query(q, tag, type, minWidth, minHeight, order, page, size)));
        } catch (ImageSearchIndex.Unavailable e) {
            if (e.getCause() instanceof CallNotPermittedException) {
                log.debug("Search refused: {}", e.getMessage()); // the breaker logged its opening, once
            } else {
                log.warn("Search failed: {}", e.getMessage());
            }
            Duration breakerWait = calls.breakerRetryIn();
            throw new SearchUnavailable(breakerWait.isZero() ? RETRY_AFTER : breakerWait);
        }
        String caller = CurrentUser.get().id();
        List<Hit> items = new ArrayList<>();
        for (JsonNode hit : answer.path("hits").path("hits")) {
            JsonNode doc = hit.path("_source");
            List<String> tags = new ArrayList<>();
            doc.path("tags").forEach(t -> tags.add(t.asString()));
            items.add(new Hit(doc.path("imageId").asString(), text(doc, "fileName"), tags, text(doc, "sourceHost"),
                    text(doc, "contentType"), doc.has("width") ? doc.get("width").asInt() : null,
                    doc.has("height") ? doc.get("height").asInt() : null, caller.equals(text(doc, "requestedBy")) ? caller : null,
                    doc.path("favoriteCount").asLong(0), Instant.parse(doc.path("storedAt").asString())));
        }
        return new SearchPage(items, page, size, answer.path("hits").path("total").path("value").asLong(),
                Map.of("tags", facet(answer, "tags"), "contentTypes", facet(answer, "contentTypes")));
    }

    private ObjectNode query(String q, List<String> tags, String type, Integer minWidth, Integer minHeight, String order,
            int page, int size) {
        ObjectNode body = json.createObjectNode();
        body.put("from", page * size);
        body.put("size", size);
        body.put("track_total_hits", true);
        ObjectNode bool = body.putObject("query").putObject("bool");
        if (q != null && !q.isBlank()) {
            ObjectNode match = bool.putArray("must").addObject().putObject("match").putObject("text");
            match.put("query", ImageSearchIndex.searchText(q));
            match.put("operator", "and");
        }
        ArrayNode filter = bool.putArray("filter");
        filter.addObject().putObject("exists").put("field", "storedAt"); // not a bare favorite count
        if (tags != null) {
            tags.forEach(t -> filter.addObject().putObject("term").put("tags", t));
        }
        if (type != null && !type.isBlank()) {
            filter.addObject().putObject("term").put("contentType", type);
        }
        if (minWidth != null) {
            filter.addObject().putObject("range").putObject("width").put("gte", minWidth);
        }
        if (minHeight != null) {
            filter.addObject().putObject("range").putObject("height").put("gte", minHeight);
        }
        ArrayNode sortBy = body.putArray("sort");
        switch (order) {
            case "favorites" -> sortBy.addObject().put("favoriteCount", "desc");
            case "relevance" -> sortBy.add("_score");
            default -> { }
        }
        sortBy.addObject().put("storedAt", "desc");
        sortBy.addObject().put("imageId", "asc"); // a stable order for equal values
        ObjectNode aggregations = body.putObject("aggs");
        aggregations.putObject("tags").putObject("terms").put("field", "tags").put("size", 20);
        aggregations.putObject("contentTypes").putObject("terms").put("field", "contentType").put("size", 10);
        return body;
    }

    private static List<Facet> facet(JsonNode answer, String name) {
        List<Facet> facets = new ArrayList<>();
        answer.path("aggregations").path(name).path("buckets")
                .forEach(bucket -> facets.add(new Facet(bucket.path("key").asString(), bucket.path("doc_count").asLong())));
        return facets;
    }

    private static String text(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
