package io.picflow.query.favorites;

import io.picflow.platform.security.CurrentUser;
import io.picflow.query.PageView;
import io.picflow.query.favorites.FavoritesReadModel.ImageEntry;
import io.picflow.query.favorites.FavoritesReadModel.UserEntry;
import io.picflow.query.favorites.FavoritesReadModel.UserList;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The caller's lists of the social graph: {@code GET /api/users/me/...}, paged, newest first. */
@RestController
class FavoritesQueryController {

    private final FavoritesReadModel model;

    FavoritesQueryController(FavoritesReadModel model) {
        this.model = model;
    }

    /** {@code favorites}, {@code favorited-by}, {@code mutuals}, {@code shortlist} or {@code exclusions}. */
    @GetMapping("/api/users/me/{list:favorites|favorited-by|mutuals|shortlist|exclusions}")
    PageView<UserEntry> users(@PathVariable String list,
            @RequestParam(defaultValue = "0") @Min(value = 0, message = "page: must be 0 or more") int page,
            @RequestParam(defaultValue = "20") @Min(value = 1, message = "size: must be 1 to 100")
            @Max(value = 100, message = "size: must be 1 to 100") int size) {
        UserList which = UserList.valueOf(list.replace('-', '_').toUpperCase(java.util.Locale.ROOT));
        String me = CurrentUser.get().id();
        return new PageView<>(model.users(which, me, page, size), page, size, model.countUsers(which, me));
    }

    @GetMapping("/api/users/me/favorite-images")
    PageView<ImageEntry> favoriteImages(@RequestParam(defaultValue = "0") @Min(value = 0, message = "page: must be 0 or more") int page,
            @RequestParam(defaultValue = "20") @Min(value = 1, message = "size: must be 1 to 100")
            @Max(value = 100, message = "size: must be 1 to 100") int size) {
        String me = CurrentUser.get().id();
        return new PageView<>(model.images(me, page, size), page, size, model.countImages(me));
    }
}
