package io.picflow.command.notifications;

import io.picflow.command.users.RegisteredUsers;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * The words of a notification in email (the query side words the inbox the same way, in its own
 * {@code NotificationTexts}): the actor by display name ("Someone" once erased), times in the recipient's zone.
 * Rendered when the email is sent, not when it is planned: an actor erased meanwhile is not named.
 */
@Component
class NotificationTexts {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm (z)", Locale.ENGLISH);

    private final RegisteredUsers users;
    private final io.picflow.platform.privacy.ErasedUsers erased;
    /**
     * Display names by user: a name never changes once registered, and reading it (the user's events, their key,
     * decryption) cost a third of an email. An erasure is seen at once, on every node: each use asks whether the user
     * is erased (one primary-key read), and forgets the name if so.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, String> names = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterAccess(java.time.Duration.ofMinutes(10)).build();

    NotificationTexts(RegisteredUsers users, io.picflow.platform.privacy.ErasedUsers erased) {
        this.users = users;
        this.erased = erased;
    }

    String subject(Trigger trigger, String actorId) {
        return switch (trigger) {
            case FAVORITED -> name(actorId) + " favorited you on picflow";
            case MUTUAL_FAVORITE -> "You and " + name(actorId) + " now favorite each other";
            case IMAGE_FAVORITED -> "Your image got a new favorite";
            case DOWNLOAD_COMPLETED -> "Your download completed";
            case DOWNLOAD_FAILED -> "Your download failed";
        };
    }

    /** The notification in one line, with its time in the recipient's zone: a digest's item, an email's body. */
    String line(Trigger trigger, String actorId, Instant at, DeliveryTiming timing) {
        return subject(trigger, actorId) + " - " + when(at, timing);
    }

    static String when(Instant at, DeliveryTiming timing) {
        return WHEN.format(at.atZone(timing.zone()));
    }

    private String name(String userId) {
        if (userId == null) {
            return "Someone";
        }
        if (erased.erasedAt(userId).isPresent()) {
            names.invalidate(userId);
            return "Someone";
        }
        String cached = names.getIfPresent(userId);
        if (cached != null) {
            return cached;
        }
        java.util.Optional<String> name = users.displayName(userId);
        name.ifPresent(found -> names.put(userId, found)); // not an unknown one: they may register in a moment
        return name.orElse("Someone");
    }
}
