package io.picflow.query.rebuild;

import java.util.Map;

/**
 * One store a read model keeps its state in (PostgreSQL tables, a search index, a cache), seen from a
 * rebuild: a new, empty generation is filled beside the one in service and replaces it at the end.
 */
interface RebuildTarget {

    /** Creates the new, empty generation (replacing what a rebuild that did not finish left behind). */
    void prepare();

    /** What the rebuild's handlers must write to, by type ({@link io.picflow.query.WriteTargets}); none for tables. */
    default Map<Class<?>, Object> writeTargets() {
        return Map.of();
    }

    /** Readies the new generation for service before the hand-over transaction (slow steps belong here). */
    default void beforeSwap() {
    }

    /** Puts the new generation in service, inside the hand-over transaction (nothing writes to either meanwhile). */
    void swapIn();

    /** Drops the old generation once the new one is in service. */
    void dropOld();

    /**
     * Drops the new generation: the rebuild failed or was cancelled, and the old one stays in service (put
     * back in service, if a swap outside the database had happened before the hand-over failed).
     */
    void discard();
}
