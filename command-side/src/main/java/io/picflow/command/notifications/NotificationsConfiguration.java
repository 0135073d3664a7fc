package io.picflow.command.notifications;

import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.async.SequentialPerAggregatePolicy;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The notifications context's Axon settings. */
@Configuration(proxyBeanMethods = false)
class NotificationsConfiguration {

    /**
     * Events that notify the same user go through the same segment where that can be known from the event: two
     * segments planning for one user at once would lock that user's digest and count rows in opposite orders. Favorites
     * of one image go through one segment too: they create the same hour's IMAGE_FAVORITED notifications. Everything
     * else (downloads: one requester each) in aggregate order, as by default.
     */
    static final SequencingPolicy<EventMessage<?>> SEQUENCING = event -> {
        Object payload = event.getPayload();
        if (payload instanceof ImageFavorited favorited) {
            return "image:" + favorited.imageId();
        }
        if (payload instanceof UserFavorited favorited) {
            return "user:" + favorited.targetId();
        }
        if (payload instanceof MutualFavoriteFormed mutual) {
            return "user:" + mutual.userA();
        }
        return SequentialPerAggregatePolicy.instance().getSequenceIdentifierFor(event);
    };

    @Bean
    ConfigurerModule notificationSequencing() {
        return configurer -> configurer.eventProcessing(processing -> processing.registerSequencingPolicy(
                NotificationTriggers.PROCESSING_GROUP, config -> SEQUENCING));
    }

    /** A user's settings take an event per read-all: a snapshot every 50 keeps loading them short. */
    @Bean
    SnapshotTriggerDefinition notificationSettingsSnapshotTrigger(Snapshotter snapshotter) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, 50);
    }
}
