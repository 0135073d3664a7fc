package io.picflow.command.favorites;

import io.picflow.command.CommandSender;
import io.picflow.command.favorites.FavoriteCommands.EndForErasure;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteImage;
import io.picflow.command.users.UserIds;
import org.springframework.stereotype.Component;

/**
 * The favorites context's part of an erasure: every relationship of the user ends (favorites both ways, mutuals,
 * shortlist entries and exclusions both ways) and every image favorite of theirs is taken back, with the usual
 * events, so that counts, lists and the other users' views follow.
 */
@Component
public class FavoritesErasure {

    private final FavoriteLinks links;
    private final CommandSender commands;

    FavoritesErasure(FavoriteLinks links, CommandSender commands) {
        this.links = links;
        this.commands = commands;
    }

    /** Idempotent: an erasure taken up again after a crash ends nothing twice. */
    public void forget(String userId, String correlationId) {
        for (String other : links.of(userId, FavoriteLinks.USER)) {
            commands.sendForErasure(new EndForErasure(UserIds.pair(userId, other), userId, other), userId, correlationId);
        }
        for (String imageId : links.of(userId, FavoriteLinks.IMAGE)) {
            commands.sendForErasure(new UnfavoriteImage(UserIds.imageFavorite(userId, imageId), userId, imageId), userId, correlationId);
        }
        links.forget(userId);
    }
}
