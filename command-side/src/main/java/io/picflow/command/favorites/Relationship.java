package io.picflow.command.favorites;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.favorites.FavoriteCommands.EndForErasure;
import io.picflow.command.favorites.FavoriteCommands.ExcludeUser;
import io.picflow.command.favorites.FavoriteCommands.FavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.NotAllowed;
import io.picflow.command.favorites.FavoriteCommands.ShortlistUser;
import io.picflow.command.favorites.FavoriteCommands.UnexcludeUser;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.UnshortlistUser;
import io.picflow.command.users.UserIds;
import io.picflow.events.EncryptedText;
import io.picflow.events.favorites.MutualFavoriteDissolved;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserExcluded;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserShortlisted;
import io.picflow.events.favorites.UserUnexcluded;
import io.picflow.events.favorites.UserUnfavorited;
import io.picflow.events.favorites.UserUnshortlisted;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import io.picflow.platform.privacy.PersonalData;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * Everything between two users, in both directions: who favorites, shortlists or excludes whom. One
 * aggregate per unordered pair is what makes a mutual favorite exact: both users' favorites of each
 * other are decided by this one event stream, so when A and B favorite each other at the same moment
 * (even on two nodes), one command appends first and the other, failing on the stream's next sequence
 * number, is retried against the new state and completes the pair: one {@code MutualFavoriteFormed},
 * never zero, never two (ADR 0006).
 *
 * <p>Shortlist notes are held encrypted, as they travel in the events, with a key that needs both the author's and
 * the other user's keys (ADR 0011).
 */
@Aggregate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class Relationship {

    static final String CAUSE_USER = "USER";
    static final String CAUSE_EXCLUSION = "EXCLUSION";
    static final String CAUSE_ERASURE = "ERASURE";

    @AggregateIdentifier
    private String pairId;
    /** Actor ids of the favorites in force (at most the two users). */
    private Set<String> favoritedBy = new HashSet<>();
    /** Actor id to note (encrypted for the actor and the other user; null for none), for the shortlist entries in force. */
    private Map<String, EncryptedText> shortlistedBy = new HashMap<>();
    private Set<String> excludedBy = new HashSet<>();

    protected Relationship() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(FavoriteUser command) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        if (excludedBy.contains(command.targetId())) {
            throw new NotAllowed("This user does not accept your favorites");
        }
        if (excludedBy.contains(command.actorId())) {
            throw new NotAllowed("You have excluded this user; remove the exclusion first");
        }
        if (favoritedBy.contains(command.actorId())) {
            return; // nothing changes
        }
        apply(new UserFavorited(command.actorId(), command.targetId(), command.source()));
        if (favoritedBy.contains(command.targetId())) {
            String[] pair = ordered(command.actorId(), command.targetId());
            apply(new MutualFavoriteFormed(pair[0], pair[1], command.actorId()));
        }
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(UnfavoriteUser command) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        unfavorite(command.actorId(), command.targetId(), CAUSE_USER, command.actorId());
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(ShortlistUser command, PersonalData personalData) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        boolean listed = shortlistedBy.containsKey(command.actorId());
        String current = personalData.openAboutOrNull(command.actorId(), command.targetId(), shortlistedBy.get(command.actorId()));
        if (!listed || !Objects.equals(current, command.note())) {
            apply(new UserShortlisted(command.actorId(), command.targetId(),
                    personalData.sealAbout(command.actorId(), command.targetId(), command.note())));
        }
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(UnshortlistUser command) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        if (shortlistedBy.containsKey(command.actorId())) {
            apply(new UserUnshortlisted(command.actorId(), command.targetId()));
        }
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(ExcludeUser command, PersonalData personalData) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        if (excludedBy.contains(command.actorId())) {
            return;
        }
        apply(new UserExcluded(command.actorId(), command.targetId(),
                personalData.sealAbout(command.actorId(), command.targetId(), command.reason())));
        // Excluding removes the favorites between the two, both ways.
        unfavorite(command.targetId(), command.actorId(), CAUSE_EXCLUSION, command.actorId());
        unfavorite(command.actorId(), command.targetId(), CAUSE_EXCLUSION, command.actorId());
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(UnexcludeUser command) {
        pairId = command.pairId(); // also for a pair that has no events yet
        requireOther(command.actorId(), command.targetId());
        if (excludedBy.contains(command.actorId())) {
            apply(new UserUnexcluded(command.actorId(), command.targetId()));
        }
    }

    /**
     * One of the two was erased: everything between them ends, in both directions, with the usual events, so that
     * every read model (and the other user) sees favorites, mutuals, shortlist entries and exclusions end.
     */
    @CommandHandler
    void handle(EndForErasure command) {
        String erased = command.erasedId();
        String other = command.otherId();
        unfavorite(erased, other, CAUSE_ERASURE, erased);
        unfavorite(other, erased, CAUSE_ERASURE, erased);
        for (String actor : new String[] {erased, other}) {
            String target = actor.equals(erased) ? other : erased;
            if (shortlistedBy.containsKey(actor)) {
                apply(new UserUnshortlisted(actor, target));
            }
            if (excludedBy.contains(actor)) {
                apply(new UserUnexcluded(actor, target));
            }
        }
    }

    private void unfavorite(String actorId, String targetId, String cause, String by) {
        if (!favoritedBy.contains(actorId)) {
            return;
        }
        boolean wasMutual = favoritedBy.contains(targetId);
        apply(new UserUnfavorited(actorId, targetId, cause));
        if (wasMutual) {
            String[] pair = ordered(actorId, targetId);
            apply(new MutualFavoriteDissolved(pair[0], pair[1], by));
        }
    }

    private static void requireOther(String actorId, String targetId) {
        if (actorId.equals(targetId)) {
            throw new NotAllowed("You cannot do this to yourself");
        }
    }

    private static String[] ordered(String a, String b) {
        return a.compareTo(b) <= 0 ? new String[] {a, b} : new String[] {b, a};
    }

    @EventSourcingHandler
    void on(UserFavorited event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        favoritedBy.add(event.actorId());
    }

    @EventSourcingHandler
    void on(UserUnfavorited event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        favoritedBy.remove(event.actorId());
    }

    @EventSourcingHandler
    void on(UserShortlisted event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        shortlistedBy.put(event.actorId(), event.note());
    }

    @EventSourcingHandler
    void on(UserUnshortlisted event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        shortlistedBy.remove(event.actorId());
    }

    @EventSourcingHandler
    void on(UserExcluded event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        excludedBy.add(event.actorId());
    }

    @EventSourcingHandler
    void on(UserUnexcluded event) {
        pairId = UserIds.pair(event.actorId(), event.targetId());
        excludedBy.remove(event.actorId());
    }
}
