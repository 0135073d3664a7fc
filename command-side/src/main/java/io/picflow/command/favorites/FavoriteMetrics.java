package io.picflow.command.favorites;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserUnfavorited;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.stereotype.Component;

/** Favorites, unfavorites and mutuals formed, counted as this node's commands produce them (subscribing). */
@Component
@ProcessingGroup("favorite-metrics")
class FavoriteMetrics {

    private final Counter favorited;
    private final Counter unfavorited;
    private final Counter mutualsFormed;

    FavoriteMetrics(MeterRegistry registry) {
        favorited = Counter.builder("picflow.favorites.favorited").description("Users favorited").register(registry);
        unfavorited = Counter.builder("picflow.favorites.unfavorited")
                .description("Favorites removed, by the user or by an exclusion").register(registry);
        mutualsFormed = Counter.builder("picflow.favorites.mutuals.formed").description("Mutual favorites formed")
                .register(registry);
    }

    @EventHandler
    void on(UserFavorited event) {
        favorited.increment();
    }

    @EventHandler
    void on(UserUnfavorited event) {
        unfavorited.increment();
    }

    @EventHandler
    void on(MutualFavoriteFormed event) {
        mutualsFormed.increment();
    }
}
