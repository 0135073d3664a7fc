package io.picflow.command.favorites;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Commands of the favorites context; {@code pairId} and {@code favoriteId} come from {@code UserIds}. */
final class FavoriteCommands {

    private FavoriteCommands() {
    }

    record FavoriteUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId, String source) {
    }

    record UnfavoriteUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId) {
    }

    record ShortlistUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId, String note) {
    }

    record UnshortlistUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId) {
    }

    record ExcludeUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId, String reason) {
    }

    record UnexcludeUser(@TargetAggregateIdentifier String pairId, String actorId, String targetId) {
    }

    record FavoriteImage(@TargetAggregateIdentifier String favoriteId, String actorId, String imageId, String source) {
    }

    record UnfavoriteImage(@TargetAggregateIdentifier String favoriteId, String actorId, String imageId) {
    }

    /** {@code erasedId} was erased: end everything between them and {@code otherId} (the erasure's own command). */
    record EndForErasure(@TargetAggregateIdentifier String pairId, String erasedId, String otherId) {
    }

    /** A rule of the social graph refused the command; the message says which, in the caller's terms. */
    static final class NotAllowed extends RuntimeException {
        NotAllowed(String message) {
            super(message, null, false, false);
        }
    }
}
