package io.picflow.query.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@link KeyValueCache} in this node's memory: Caffeine, bounded by {@code picflow.cache.max-entries}
 * (W-TinyLFU keeps what is read often). Evictions of entries that several events may create are
 * remembered ({@link EvictedKeys}), so that an evicted entry is never re-created from a partial history.
 */
@Component
class InMemoryKeyValueCache implements KeyValueCache {

    private static final String METRICS_NAME = "read-model";

    private final long maxEntries;
    private final MeterRegistry registry;
    // Replaced together, and only while nothing writes (adopt): a rebuild's new generation.
    private volatile Cache<KeyValueCache.Key<?>, Object> entries;
    private volatile EvictedKeys evicted = new EvictedKeys();

    InMemoryKeyValueCache(@Value("${picflow.cache.max-entries:200000}") long maxEntries, MeterRegistry registry) {
        this.maxEntries = maxEntries;
        this.registry = registry;
        this.entries = newEntries();
        if (registry != null) {
            CaffeineCacheMetrics.monitor(registry, entries, METRICS_NAME);
        }
    }

    private Cache<KeyValueCache.Key<?>, Object> newEntries() {
        return Caffeine.newBuilder()
                .maximumSize(maxEntries)
                // Maintenance on the calling thread, not a pool: evictions are recorded in the same atomic step.
                .executor(Runnable::run)
                .evictionListener((KeyValueCache.Key<?> key, Object value, RemovalCause cause) -> remember(key))
                .recordStats()
                .build();
    }

    @Override
    public KeyValueCache emptyCopy() {
        return new InMemoryKeyValueCache(maxEntries, null); // its metrics are registered when it is adopted
    }

    @Override
    public void adopt(KeyValueCache rebuilt) {
        InMemoryKeyValueCache other = (InMemoryKeyValueCache) rebuilt;
        evicted = other.evicted;
        entries = other.entries;
        if (registry != null) {
            // Caffeine's meters hold the cache they observe: the old ones would go on reporting the old generation.
            registry.getMeters().stream().filter(meter -> METRICS_NAME.equals(meter.getId().getTag("cache"))).toList()
                    .forEach(registry::remove);
            CaffeineCacheMetrics.monitor(registry, entries, METRICS_NAME);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<V> get(Key<V> key) {
        return Optional.ofNullable((V) entries.getIfPresent(key));
    }

    @Override
    public <V> void create(Key<V> key, V value) {
        // Evictions of created-once entries are not recorded, so only forgotten ones (and rare false positives) stay out.
        entries.asMap().compute(key, (k, existing) -> existing != null || evicted.mayContain(k.name()) ? existing : value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> boolean update(Key<V> key, UnaryOperator<V> change) {
        return entries.asMap().computeIfPresent(key, (k, value) -> change.apply((V) value)) != null;
    }

    @Override
    public void forget(Key<?> key) {
        entries.asMap().compute(key, (k, value) -> {
            evicted.add(k.name()); // recorded before the entry goes: no create can slip in between
            return null;
        });
    }

    @Override
    public void changeAll(BiFunction<KeyValueCache.Key<?>, Object, Object> change) {
        for (KeyValueCache.Key<?> key : List.copyOf(entries.asMap().keySet())) {
            entries.asMap().computeIfPresent(key, (k, value) -> {
                Object changed = change.apply(k, value);
                if (changed == null) {
                    evicted.add(k.name());
                }
                return changed;
            });
        }
    }

    /** Only entries that several events may create need remembering (which keeps the filter sparse). */
    private void remember(KeyValueCache.Key<?> key) {
        if (!key.createdOnce()) {
            evicted.add(key.name());
        }
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
