package io.picflow.query.search;

import io.picflow.query.WriteTargets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.query.search.ElasticsearchCalls.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image search index, always reached through its alias ({@code picflow.search.alias}), so that a
 * rebuild can fill a new index and swap the alias. Created with an explicit, strict mapping the first
 * time it is needed. Plain JSON over the low-level client: it works the same on the stripped
 * Elasticsearch the build runs and on a full one. Every request goes through {@link ElasticsearchCalls}: searches
 * are bounded to answer a user quickly, the rest (indexing, rebuilds) get the client's longer bound, and all of them
 * go through the {@code elasticsearch} circuit breaker.
 */
@Component
public class ImageSearchIndex {

    /** Elasticsearch could not be reached or refused a request: the caller decides whether to retry or answer 503. */
    public static final class Unavailable extends RuntimeException {

        private final boolean elasticsearchFailed;

        Unavailable(String message, Throwable cause, boolean elasticsearchFailed) {
            super(message, cause);
            this.elasticsearchFailed = elasticsearchFailed;
        }

        /**
         * Whether Elasticsearch itself failed (unreachable, too slow, 5xx, 429, or its circuit breaker open), rather than
         * refused this one request: only those count against the breaker.
         */
        public boolean elasticsearchFailed() {
            return elasticsearchFailed;
        }
    }

    static final String MAPPING = """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"dynamic": "strict", "properties": {
               "imageId":       {"type": "keyword"},
               "fileName":      {"type": "keyword", "ignore_above": 255},
               "tags":          {"type": "keyword"},
               "sourceHost":    {"type": "keyword"},
               "contentType":   {"type": "keyword"},
               "width":         {"type": "integer"},
               "height":        {"type": "integer"},
               "requestedBy":   {"type": "keyword"},
               "favoriteCount": {"type": "integer"},
               "storedAt":      {"type": "date"},
               "text":          {"type": "text"}
             }}}""";

    /**
     * What full-text search reads: the words of the file name, tags and source host. Split here rather
     * than by an analyzer, because the stripped Elasticsearch has only the standard one, which keeps
     * "harbour.png" and "cdn.example.org" as single tokens.
     */
    static String searchText(String... values) {
        StringBuilder text = new StringBuilder();
        for (String value : values) {
            if (value != null) {
                text.append(WORD_SEPARATORS.matcher(value).replaceAll(" ")).append(' ');
            }
        }
        return text.toString().trim();
    }

    private static final java.util.regex.Pattern WORD_SEPARATORS = java.util.regex.Pattern.compile("[^\\p{L}\\p{N}]+");

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImageSearchIndex.class);

    private final Counter rejected;
    private final ElasticsearchCalls calls;
    private final JsonMapper json;
    private final String alias;
    private volatile boolean ensured;

    ImageSearchIndex(ElasticsearchCalls calls, JsonMapper json, @Value("${picflow.search.alias:images}") String alias,
            MeterRegistry registry) {
        this.rejected = Counter.builder("picflow.search.rejected")
                .description("Image documents the search index refused for good").register(registry);
        this.calls = calls;
        this.json = json;
        this.alias = alias;
    }

    public String alias() {
        return alias;
    }

    /** A concrete index a rebuild writes to, in place of the alias ({@link io.picflow.query.WriteTargets}). */
    public record Target(String index) {
    }

    /** Where the current batch's documents go: the alias, or a rebuild's new index. */
    String writeIndex() {
        return WriteTargets.orLive(Target.class, new Target(alias)).index();
    }

    /** The index the alias points to now. */
    public String currentIndex() {
        ensureExists(Kind.WRITE);
        JsonNode answer = perform(new Request("GET", "/_alias/" + alias));
        return answer.propertyNames().iterator().next();
    }

    /**
     * Creates an empty index with the mapping, not yet behind the alias, for a rebuild (a leftover of a
     * rebuild that did not finish is replaced). It is not refreshed while it is filled, which makes the
     * bulk writes cheaper; {@link #swapAlias} refreshes it.
     */
    public void createIndex(String index) {
        deleteIndex(index);
        Request create = new Request("PUT", "/" + index);
        create.setEntity(new StringEntity(MAPPING, ContentType.APPLICATION_JSON));
        perform(create);
        Request settings = new Request("PUT", "/" + index + "/_settings");
        settings.setEntity(new StringEntity("{\"index\":{\"refresh_interval\":\"-1\"}}", ContentType.APPLICATION_JSON));
        perform(settings);
        perform(waitUntilStarted(index, Kind.WRITE));
    }

    /** Deletes an index if it exists. */
    public void deleteIndex(String index) {
        int status = status(new Request("DELETE", "/" + index));
        if (status >= 400 && status != 404) {
            throw new Unavailable("Elasticsearch answered " + status + " deleting index " + index, null, false);
        }
    }

    /** Makes a rebuilt index ready for searches: refreshed as usual again, and everything written so far visible. */
    public void readyForService(String index) {
        Request settings = new Request("PUT", "/" + index + "/_settings");
        settings.setEntity(new StringEntity("{\"index\":{\"refresh_interval\":null}}", ContentType.APPLICATION_JSON));
        perform(settings);
        perform(new Request("POST", "/" + index + "/_refresh"));
    }

    /** Puts {@code to} behind the alias in place of {@code from}, in one atomic step. */
    public void swapAlias(String from, String to) {
        Request swap = new Request("POST", "/_aliases");
        swap.setEntity(new StringEntity("{\"actions\":[{\"remove\":{\"index\":\"" + from + "\",\"alias\":\"" + alias
                + "\"}},{\"add\":{\"index\":\"" + to + "\",\"alias\":\"" + alias + "\",\"is_write_index\":true}}]}",
                ContentType.APPLICATION_JSON));
        perform(swap);
    }

    /** The versions of the index that exist ({@code <alias>-v<n>}), whether behind the alias or not. */
    public List<String> versions() {
        Request request = new Request("GET", "/" + alias + "-v*/_settings");
        request.addParameter("filter_path", "*.settings.index.provided_name");
        List<String> names = new java.util.ArrayList<>(perform(request).propertyNames());
        names.sort(null);
        return names;
    }

    /**
     * Creates {@code <alias>-v1} with the mapping and the alias unless the alias exists, and waits until its shard
     * has started; once per node. The look and the wait are bounded as {@code kind} says (a search must not wait for
     * a frozen node); the creation, once Elasticsearch has answered, as a write.
     */
    void ensureExists(Kind kind) {
        if (ensured) {
            return;
        }
        if (calls.send(new Request("HEAD", "/_alias/" + alias), kind, response -> response.getStatusLine().getStatusCode()) == 404) {
            Request create = new Request("PUT", "/" + alias + "-v1");
            create.setEntity(new StringEntity(MAPPING, ContentType.APPLICATION_JSON));
            int created = status(create);
            if (created >= 300 && created != 400) { // 400: it exists already (another node)
                throw new Unavailable("Elasticsearch answered " + created + " creating index " + alias + "-v1", null, false);
            }
            Request aliasRequest = new Request("POST", "/_aliases");
            aliasRequest.setEntity(new StringEntity("{\"actions\":[{\"add\":{\"index\":\"" + alias + "-v1\",\"alias\":\""
                    + alias + "\",\"is_write_index\":true}}]}", ContentType.APPLICATION_JSON));
            perform(aliasRequest);
        }
        // A new index's shard takes a moment to start: searching before that fails.
        calls.send(waitUntilStarted(alias, kind), kind, this::read);
        ensured = true;
    }

    /** Sends one bulk request; any item that failed fails the whole call (the batch is retried). */
    void bulk(List<String> ndjsonLines) {
        if (ndjsonLines.isEmpty()) {
            return;
        }
        ensureExists(Kind.WRITE);
        Request request = new Request("POST", "/_bulk");
        request.setEntity(new StringEntity(String.join("\n", ndjsonLines) + "\n", ContentType.create("application/x-ndjson",
                StandardCharsets.UTF_8)));
        // The items are checked within the call, so that items Elasticsearch was too busy for count against its breaker.
        calls.send(request, Kind.WRITE, response -> {
            checkItems(read(response));
            return null;
        });
    }

    private void checkItems(JsonNode answer) {
        if (!answer.path("errors").asBoolean(false)) {
            return;
        }
        for (JsonNode item : answer.path("items")) {
            for (JsonNode operation : item) {
                int status = operation.path("status").asInt(200);
                if (status == 409 || status == 429 || status >= 500) {
                    // Busy or conflicting: the whole batch is tried again (upserts are idempotent).
                    throw new Unavailable("Elasticsearch answered " + status + " for a bulk item: " + operation.path("error"), null,
                            status != 409);
                }
                if (status >= 400) {
                    // A document Elasticsearch will never take (it breaks the mapping): retrying cannot help, and
                    // stopping would hold up the whole read model. Logged with the image, and counted.
                    log.error("Search index refused image {} for good ({}): {}", operation.path("_id").asString(), status,
                            operation.path("error"));
                    rejected.increment();
                }
            }
        }
    }

    /** Runs a search on the alias, within the search bound ({@code picflow.elasticsearch.search-timeout}). */
    JsonNode search(String body) {
        ensureExists(Kind.SEARCH);
        Request request = new Request("POST", "/" + alias + "/_search");
        request.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        return calls.send(request, Kind.SEARCH, this::read);
    }

    /** Waits until the index's shard has started, at most for what the deadline of {@code kind} leaves. */
    private Request waitUntilStarted(String index, Kind kind) {
        Request health = new Request("GET", "/_cluster/health/" + index);
        health.addParameter("wait_for_status", "yellow");
        health.addParameter("timeout", calls.serverWait(kind));
        return health;
    }

    private JsonNode perform(Request request) {
        return calls.send(request, Kind.WRITE, this::read);
    }

    private int status(Request request) {
        return calls.send(request, Kind.WRITE, response -> response.getStatusLine().getStatusCode());
    }

    /** The answer's JSON; a 4xx is Elasticsearch refusing this request, which says nothing of its health. */
    private JsonNode read(Response response) {
        int status = response.getStatusLine().getStatusCode();
        try {
            if (status >= 300) {
                String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
                throw new Unavailable("Elasticsearch answered " + status + " to " + response.getRequestLine() + ": "
                        + body.substring(0, Math.min(body.length(), 500)), null, false);
            }
            try (InputStream in = response.getEntity().getContent()) {
                return json.readTree(in);
            }
        } catch (IOException e) {
            throw new Unavailable("Elasticsearch's answer could not be read: " + e, e, true);
        }
    }
}
