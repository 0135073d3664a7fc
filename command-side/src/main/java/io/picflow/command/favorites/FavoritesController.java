package io.picflow.command.favorites;

import io.picflow.command.CommandSender;
import io.picflow.command.downloads.StoredImages;
import io.picflow.command.favorites.FavoriteCommands.ExcludeUser;
import io.picflow.command.favorites.FavoriteCommands.FavoriteImage;
import io.picflow.command.favorites.FavoriteCommands.FavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.NotAllowed;
import io.picflow.command.favorites.FavoriteCommands.ShortlistUser;
import io.picflow.command.favorites.FavoriteCommands.UnexcludeUser;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteImage;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.UnshortlistUser;
import io.picflow.command.users.RegisteredUsers;
import io.picflow.command.users.UserIds;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.function.BiFunction;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The social graph's commands, always on behalf of the caller ({@code me}): favorites, shortlist,
 * exclusions and favorite images. Each answers 202 once its events are stored (or nothing needed to
 * change), or a problem: 400 bad input or yourself, 404 unknown user or image, 403 when the other user
 * excluded you, 409 when you must first register or lift your own exclusion.
 */
@RestController
class FavoritesController {

    private static final String SOURCE = "[a-z0-9_]{1,64}";
    private static final java.util.regex.Pattern IMAGE_ID = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private static final java.util.regex.Pattern USER_ID = java.util.regex.Pattern.compile("[^\\p{Cntrl}]{1,255}");

    private final CommandSender commands;
    private final RegisteredUsers users;
    private final StoredImages images;

    FavoritesController(CommandSender commands, RegisteredUsers users, StoredImages images) {
        this.commands = commands;
        this.users = users;
        this.images = images;
    }

    record Accepted(String correlationId) {
    }

    record FavoriteBody(@NotBlank @Size(max = 255) String userId,
            @Pattern(regexp = SOURCE, message = "1 to 64 of a-z, 0-9 and _") String source) {
    }

    record ShortlistBody(@NotBlank @Size(max = 255) String userId, @Size(max = 1000) String note) {
    }

    record ExclusionBody(@NotBlank @Size(max = 255) String userId, @Size(max = 500) String reason) {
    }

    record ImageBody(@NotBlank @Size(max = 64) String imageId,
            @Pattern(regexp = SOURCE, message = "1 to 64 of a-z, 0-9 and _") String source) {
    }

    @PostMapping("/api/users/me/favorites")
    ResponseEntity<Accepted> favorite(@Valid @RequestBody FavoriteBody body, HttpServletRequest request) {
        return toUser(body.userId(), "favorites", request, (me, id) -> new FavoriteUser(UserIds.pair(me, id), me, id, body.source()));
    }

    @DeleteMapping("/api/users/me/favorites/{userId}")
    ResponseEntity<Accepted> unfavorite(@PathVariable String userId, HttpServletRequest request) {
        return toUser(userId, "favorites", request, (me, id) -> new UnfavoriteUser(UserIds.pair(me, id), me, id));
    }

    @PostMapping("/api/users/me/shortlist")
    ResponseEntity<Accepted> shortlist(@Valid @RequestBody ShortlistBody body, HttpServletRequest request) {
        return toUser(body.userId(), "shortlist", request, (me, id) -> new ShortlistUser(UserIds.pair(me, id), me, id, body.note()));
    }

    @DeleteMapping("/api/users/me/shortlist/{userId}")
    ResponseEntity<Accepted> unshortlist(@PathVariable String userId, HttpServletRequest request) {
        return toUser(userId, "shortlist", request, (me, id) -> new UnshortlistUser(UserIds.pair(me, id), me, id));
    }

    @PostMapping("/api/users/me/exclusions")
    ResponseEntity<Accepted> exclude(@Valid @RequestBody ExclusionBody body, HttpServletRequest request) {
        return toUser(body.userId(), "exclusions", request, (me, id) -> new ExcludeUser(UserIds.pair(me, id), me, id, body.reason()));
    }

    @DeleteMapping("/api/users/me/exclusions/{userId}")
    ResponseEntity<Accepted> unexclude(@PathVariable String userId, HttpServletRequest request) {
        return toUser(userId, "exclusions", request, (me, id) -> new UnexcludeUser(UserIds.pair(me, id), me, id));
    }

    @PostMapping("/api/users/me/favorite-images")
    ResponseEntity<Accepted> favoriteImage(@Valid @RequestBody ImageBody body, HttpServletRequest request) {
        return toImage(body.imageId(), true, request, me -> new FavoriteImage(UserIds.imageFavorite(me, body.imageId()), me,
                body.imageId(), body.source()));
    }

    @DeleteMapping("/api/users/me/favorite-images/{imageId}")
    ResponseEntity<Accepted> unfavoriteImage(@PathVariable String imageId, HttpServletRequest request) {
        // No need for the file to exist: a favorite can always be taken back.
        return toImage(imageId, false, request, me -> new UnfavoriteImage(UserIds.imageFavorite(me, imageId), me, imageId));
    }

    private ResponseEntity<Accepted> toUser(String targetId, String list, HttpServletRequest request,
            BiFunction<String, String, Object> command) {
        CurrentUser me = CurrentUser.get();
        if (!USER_ID.matcher(targetId).matches()) {
            throw ProblemException.badRequest("userId: 1 to 255 characters, no control characters");
        }
        if (targetId.equals(me.id())) {
            throw ProblemException.badRequest("userId: you cannot name yourself");
        }
        requireRegistered(me);
        if (!users.exists(targetId)) {
            throw ProblemException.notFound("No user " + targetId);
        }
        return send(command.apply(me.id(), targetId), me, targetId, request, list);
    }

    private ResponseEntity<Accepted> toImage(String imageId, boolean mustBeStored, HttpServletRequest request,
            java.util.function.Function<String, Object> command) {
        CurrentUser me = CurrentUser.get();
        requireRegistered(me);
        if (!IMAGE_ID.matcher(imageId).matches() || (mustBeStored && !images.exists(imageId))) {
            throw ProblemException.notFound("No image " + imageId);
        }
        return send(command.apply(me.id()), me, null, request, "favorite-images");
    }

    private void requireRegistered(CurrentUser me) {
        if (!users.exists(me.id())) {
            throw ProblemException.conflict("Register first: POST /api/users");
        }
    }

    /** {@code otherUserId}: the user the command is about, if any; an erased one is unknown (404). */
    private ResponseEntity<Accepted> send(Object command, CurrentUser me, String otherUserId, HttpServletRequest request, String list) {
        String correlationId = CorrelationIdFilter.of(request);
        try {
            if (otherUserId == null) {
                commands.send(command, me, correlationId);
            } else {
                commands.sendAbout(command, me, otherUserId, correlationId);
            }
        } catch (NotAllowed e) {
            throw notAllowed(e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof NotAllowed notAllowed) {
                throw notAllowed(notAllowed); // wrapped by a distributed command bus
            }
            throw e;
        }
        return ResponseEntity.accepted().location(URI.create("/api/users/me/" + list)).body(new Accepted(correlationId));
    }

    private static ProblemException notAllowed(NotAllowed e) {
        return e.getMessage().startsWith("You have excluded")
                ? ProblemException.conflict(e.getMessage())
                : new ProblemException(HttpStatus.FORBIDDEN, "Forbidden", e.getMessage());
    }
}
