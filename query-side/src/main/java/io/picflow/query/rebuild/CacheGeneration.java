package io.picflow.query.rebuild;

import io.picflow.query.cache.KeyValueCache;
import io.picflow.query.cache.ReadCache;
import java.util.Map;

/** The cache, rebuilt into a new, empty one that replaces the one in service at the end. */
final class CacheGeneration implements RebuildTarget {

    private final ReadCache readCache;
    private KeyValueCache rebuilt;

    CacheGeneration(ReadCache readCache) {
        this.readCache = readCache;
    }

    @Override
    public void prepare() {
        rebuilt = readCache.live().emptyCopy();
    }

    @Override
    public Map<Class<?>, Object> writeTargets() {
        return Map.of(KeyValueCache.class, rebuilt);
    }

    @Override
    public void swapIn() {
        readCache.live().adopt(rebuilt);
    }

    @Override
    public void dropOld() {
        // The old entries went with the swap.
    }

    @Override
    public void discard() {
        rebuilt = null;
    }
}
