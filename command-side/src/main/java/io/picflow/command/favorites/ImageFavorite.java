package io.picflow.command.favorites;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.favorites.FavoriteCommands.FavoriteImage;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteImage;
import io.picflow.command.users.UserIds;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

/** One user's favorite of one image: on or off; repeating either changes nothing. */
@Aggregate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImageFavorite {

    @AggregateIdentifier
    private String favoriteId;
    private boolean favorited;

    protected ImageFavorite() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(FavoriteImage command) {
        favoriteId = command.favoriteId();
        if (!favorited) {
            apply(new ImageFavorited(command.actorId(), command.imageId(), command.source()));
        }
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(UnfavoriteImage command) {
        favoriteId = command.favoriteId();
        if (favorited) {
            apply(new ImageUnfavorited(command.actorId(), command.imageId()));
        }
    }

    @EventSourcingHandler
    void on(ImageFavorited event) {
        favoriteId = UserIds.imageFavorite(event.actorId(), event.imageId());
        favorited = true;
    }

    @EventSourcingHandler
    void on(ImageUnfavorited event) {
        favoriteId = UserIds.imageFavorite(event.actorId(), event.imageId());
        favorited = false;
    }
}
