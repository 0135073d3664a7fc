package io.picflow.query.cache;

import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * The key-value read model for hot reads. Bounded: an implementation may evict any entry, and a
 * reader that misses asks PostgreSQL instead. Entries are written only by {@link CacheProjection},
 * and never re-created once evicted (see {@link #create}), so an entry that is present is exact: it
 * has seen every event of its subject since that subject was created.
 */
public interface KeyValueCache {

    /**
     * A key and the type of its value. {@code createdOnce}: exactly one event ever creates this entry (a
     * download's request, a user's registration), so an evicted one can never come back by itself; otherwise
     * (an image, stored once per download of the same bytes) the cache must remember that it evicted it.
     */
    record Key<V>(String name, boolean createdOnce) {
    }

    <V> Optional<V> get(Key<V> key);

    /**
     * Creates an entry from the event that creates its subject. Does nothing if the entry exists, or if
     * it may have existed and been evicted: a later event could then have been missed.
     */
    <V> void create(Key<V> key, V value);

    /** Changes the entry if it is present; returns whether it was. */
    <V> boolean update(Key<V> key, UnaryOperator<V> change);

    /** Drops an entry as if evicted (it is not re-created): for an entry a change could not be applied to. */
    void forget(Key<?> key);

    /**
     * Changes every entry: {@code change} returns its new value, the same one, or null to drop it as
     * {@link #forget} does. For the rare change that no key names (a user's erasure).
     */
    void changeAll(BiFunction<Key<?>, Object, Object> change);

    /** Forgets every entry, and every eviction (for a rebuild from the first event). */
    void clear();

    long size();

    /** A new, empty cache with the same bounds, not in service: a rebuild fills it. */
    KeyValueCache emptyCopy();

    /**
     * Serves {@code rebuilt}'s entries from now on instead of this cache's own: the last step of a
     * rebuild, taken while nothing writes to either. {@code rebuilt} comes from {@link #emptyCopy()}.
     */
    void adopt(KeyValueCache rebuilt);
}
