package io.picflow.query.favorites;

/**
 * A user's favorite counts as the profile shows them: users they favorite, users who favorite them,
 * their mutual favorites and the images they favorite. Raw counts: exclusions hide entries from the
 * lists, not from these numbers.
 */
public record FavoriteCounts(long favorites, long favoritedBy, long mutuals, long favoriteImages) {

    public static final FavoriteCounts NONE = new FavoriteCounts(0, 0, 0, 0);

    public FavoriteCounts plusFavorites(int delta) {
        return new FavoriteCounts(favorites + delta, favoritedBy, mutuals, favoriteImages);
    }

    public FavoriteCounts plusFavoritedBy(int delta) {
        return new FavoriteCounts(favorites, favoritedBy + delta, mutuals, favoriteImages);
    }

    public FavoriteCounts plusMutuals(int delta) {
        return new FavoriteCounts(favorites, favoritedBy, mutuals + delta, favoriteImages);
    }

    public FavoriteCounts plusFavoriteImages(int delta) {
        return new FavoriteCounts(favorites, favoritedBy, mutuals, favoriteImages + delta);
    }
}
