package io.picflow.query.rebuild;

import io.picflow.query.cache.ReadCache;
import io.picflow.query.search.ImageSearchIndex;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The read models that can be rebuilt, by name (the name of the processing group that keeps each), and
 * the stores each keeps its state in. The live feed is not among them: its positions are what WebSocket
 * clients resume from, so rebuilding it would renumber what they have seen.
 */
@Component
class RebuildableReadModels {

    /** A rebuildable read model: its PostgreSQL tables, and its other stores. */
    record ReadModel(String name, List<String> tables, boolean searchIndex, boolean cache) {
    }

    private static final Map<String, ReadModel> READ_MODELS = new LinkedHashMap<>();

    static {
        add(new ReadModel("downloads", List.of("download"), false, false));
        add(new ReadModel("images", List.of("image", "image_source"), false, false));
        add(new ReadModel("favorites", List.of("user_favorite", "user_mutual", "user_shortlist", "user_exclusion", "image_favorite"),
                false, false));
        add(new ReadModel("users", List.of("user_profile"), false, false));
        add(new ReadModel("notification-inbox", List.of("notification", "notification_preference_view"), false, false));
        add(new ReadModel("image-search", List.of("image_search_favorite", "image_search_source"), true, false));
        add(new ReadModel("cache", List.of(), false, true));
    }

    private static void add(ReadModel model) {
        READ_MODELS.put(model.name(), model);
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ImageSearchIndex searchIndex;
    private final ReadCache readCache;
    private volatile String liveSchema;

    RebuildableReadModels(JdbcTemplate jdbc, PlatformTransactionManager transactions, ImageSearchIndex searchIndex,
            ReadCache readCache) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactions);
        this.searchIndex = searchIndex;
        this.readCache = readCache;
    }

    List<String> names() {
        return List.copyOf(READ_MODELS.keySet());
    }

    Optional<ReadModel> find(String name) {
        return Optional.ofNullable(READ_MODELS.get(name));
    }

    /** Fresh targets for one rebuild of {@code model}; the shadow tables, if any, come first. */
    List<RebuildTarget> targets(ReadModel model) {
        List<RebuildTarget> targets = new ArrayList<>();
        if (!model.tables().isEmpty()) {
            targets.add(new ShadowTables(jdbc, transactions, liveSchema(), model.name(), model.tables()));
        }
        if (model.searchIndex()) {
            targets.add(new SearchIndexGeneration(searchIndex));
        }
        if (model.cache()) {
            targets.add(new CacheGeneration(readCache));
        }
        return targets;
    }

    /** The schema the read models' tables are in: the first on the connections' search path. */
    private String liveSchema() {
        if (liveSchema == null) {
            liveSchema = jdbc.queryForObject("SELECT current_schema()", String.class);
        }
        return liveSchema;
    }
}
