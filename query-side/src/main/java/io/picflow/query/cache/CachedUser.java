package io.picflow.query.cache;

import io.picflow.query.favorites.FavoriteCounts;
import java.time.Instant;
import java.util.function.UnaryOperator;

/** A user's public profile and favorite counts, as the cache keeps them. */
public record CachedUser(String userId, String displayName, Instant registeredAt, FavoriteCounts counts) {

    CachedUser withCounts(UnaryOperator<FavoriteCounts> change) {
        return new CachedUser(userId, displayName, registeredAt, change.apply(counts));
    }
}
