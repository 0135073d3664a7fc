package io.picflow.query.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@link KeyValueCache} in this node's memory: Caffeine, bounded by {@code picflow.cache.max-entries}
 * (W-TinyLFU keeps what is read often). Evictions are remembered ({@link EvictedKeys}) so that an
 * evicted entry is never re-created from a partial history.
 */
@Component
class InMemoryKeyValueCache implements KeyValueCache {

    private final Cache<String, Object> entries;
    private final EvictedKeys evicted = new EvictedKeys();

    InMemoryKeyValueCache(@Value("${picflow.cache.max-entries:200000}") long maxEntries, MeterRegistry registry) {
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                // Maintenance (and so eviction) on the writing thread: an eviction is recorded before the next event.
                .executor(Runnable::run)
                .evictionListener((String key, Object value, com.github.benmanes.caffeine.cache.RemovalCause cause) -> evicted.add(key))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, entries, "read-model");
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<V> get(Key<V> key) {
        return Optional.ofNullable((V) entries.getIfPresent(key.name()));
    }

    @Override
    public <V> void create(Key<V> key, V value) {
        if (!evicted.mayContain(key.name())) {
            entries.asMap().putIfAbsent(key.name(), value);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> boolean update(Key<V> key, UnaryOperator<V> change) {
        return entries.asMap().computeIfPresent(key.name(), (name, value) -> change.apply((V) value)) != null;
    }

    @Override
    public void clear() {
        entries.invalidateAll();
        evicted.clear();
    }

    @Override
    public long size() {
        return entries.estimatedSize();
    }
}
