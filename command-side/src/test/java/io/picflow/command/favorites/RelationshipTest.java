package io.picflow.command.favorites;

import io.picflow.command.favorites.FavoriteCommands.ExcludeUser;
import io.picflow.command.favorites.FavoriteCommands.FavoriteImage;
import io.picflow.command.favorites.FavoriteCommands.FavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.NotAllowed;
import io.picflow.command.favorites.FavoriteCommands.ShortlistUser;
import io.picflow.command.favorites.FavoriteCommands.UnexcludeUser;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteImage;
import io.picflow.command.favorites.FavoriteCommands.UnfavoriteUser;
import io.picflow.command.favorites.FavoriteCommands.UnshortlistUser;
import io.picflow.command.support.SealedTexts;
import io.picflow.command.favorites.FavoriteCommands.EndForErasure;
import io.picflow.command.users.UserIds;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.ImageUnfavorited;
import io.picflow.events.favorites.MutualFavoriteDissolved;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserExcluded;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.favorites.UserShortlisted;
import io.picflow.events.favorites.UserUnexcluded;
import io.picflow.events.favorites.UserUnfavorited;
import io.picflow.events.favorites.UserUnshortlisted;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every rule of the social graph, given/when/then on the aggregates. */
class RelationshipTest {

    private static final String ANN = "ann";
    private static final String BOB = "bob";
    private static final String PAIR = UserIds.pair(ANN, BOB);

    private final SealedTexts texts = new SealedTexts();
    private AggregateTestFixture<Relationship> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Relationship.class);
        fixture.registerInjectableResource(texts.personalData());
    }

    @Test
    void a_first_favorite_is_just_a_favorite() {
        fixture.givenNoPriorActivity()
                .when(new FavoriteUser(PAIR, ANN, BOB, "search_page"))
                .expectEvents(new UserFavorited(ANN, BOB, "search_page"));
    }

    @Test
    void the_favorite_that_completes_the_pair_forms_exactly_one_mutual_named_by_both() {
        fixture.given(new UserFavorited(BOB, ANN, null))
                .when(new FavoriteUser(PAIR, ANN, BOB, "profile"))
                .expectEvents(new UserFavorited(ANN, BOB, "profile"), new MutualFavoriteFormed(ANN, BOB, ANN));
    }

    @Test
    void favoriting_twice_is_accepted_and_changes_nothing() {
        fixture.given(new UserFavorited(ANN, BOB, null), new UserFavorited(BOB, ANN, null), new MutualFavoriteFormed(ANN, BOB, BOB))
                .when(new FavoriteUser(PAIR, ANN, BOB, null))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void unfavoriting_either_side_of_a_mutual_dissolves_it() {
        fixture.given(new UserFavorited(ANN, BOB, null), new UserFavorited(BOB, ANN, null), new MutualFavoriteFormed(ANN, BOB, BOB))
                .when(new UnfavoriteUser(PAIR, BOB, ANN))
                .expectEvents(new UserUnfavorited(BOB, ANN, Relationship.CAUSE_USER), new MutualFavoriteDissolved(ANN, BOB, BOB));
    }

    /**
     * For a command that changes nothing on a pair with no history: nothing is stored, so there is no
     * stream for the fixture's state check to reload (a real repository simply writes nothing).
     */
    private static <T> AggregateTestFixture<T> withoutHistory(Class<T> type) {
        AggregateTestFixture<T> fixture = new AggregateTestFixture<>(type);
        fixture.setReportIllegalStateChange(false);
        return fixture;
    }

    @Test
    void unfavoriting_what_is_not_a_favorite_changes_nothing() {
        withoutHistory(Relationship.class).givenNoPriorActivity()
                .when(new UnfavoriteUser(PAIR, ANN, BOB))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void nobody_favorites_shortlists_or_excludes_themselves() {
        String self = UserIds.pair(ANN, ANN);
        fixture.givenNoPriorActivity().when(new FavoriteUser(self, ANN, ANN, null)).expectException(NotAllowed.class);
        fixture.givenNoPriorActivity().when(new ShortlistUser(self, ANN, ANN, null)).expectException(NotAllowed.class);
        fixture.givenNoPriorActivity().when(new ExcludeUser(self, ANN, ANN, null)).expectException(NotAllowed.class);
    }

    @Test
    void a_user_cannot_favorite_someone_who_excluded_them() {
        fixture.given(new UserExcluded(BOB, ANN, texts.sealAbout(BOB, ANN, "spam")))
                .when(new FavoriteUser(PAIR, ANN, BOB, null))
                .expectException(NotAllowed.class)
                .expectExceptionMessage("This user does not accept your favorites")
                .expectNoEvents();
    }

    @Test
    void a_user_must_lift_their_own_exclusion_before_favoriting() {
        fixture.given(new UserExcluded(ANN, BOB, null))
                .when(new FavoriteUser(PAIR, ANN, BOB, null))
                .expectException(NotAllowed.class)
                .expectExceptionMessage("You have excluded this user; remove the exclusion first");
    }

    @Test
    void excluding_removes_the_favorites_between_the_two_both_ways_and_dissolves_the_mutual() {
        fixture.given(new UserFavorited(ANN, BOB, null), new UserFavorited(BOB, ANN, null), new MutualFavoriteFormed(ANN, BOB, BOB))
                .when(new ExcludeUser(PAIR, ANN, BOB, "rude"))
                .expectEventsMatching(texts.exactly(new UserExcluded(ANN, BOB, texts.sealAbout(ANN, BOB, "rude")),
                        new UserUnfavorited(BOB, ANN, Relationship.CAUSE_EXCLUSION),
                        new MutualFavoriteDissolved(ANN, BOB, ANN),
                        new UserUnfavorited(ANN, BOB, Relationship.CAUSE_EXCLUSION)));
    }

    @Test
    void excluding_twice_changes_nothing_and_lifting_it_allows_favorites_again() {
        fixture.given(new UserExcluded(BOB, ANN, null))
                .when(new ExcludeUser(PAIR, BOB, ANN, "again"))
                .expectNoEvents();
        fixture.given(new UserExcluded(BOB, ANN, null), new UserUnexcluded(BOB, ANN))
                .when(new FavoriteUser(PAIR, ANN, BOB, null))
                .expectEvents(new UserFavorited(ANN, BOB, null));
        withoutHistory(Relationship.class).givenNoPriorActivity()
                .when(new UnexcludeUser(PAIR, BOB, ANN))
                .expectNoEvents();
    }

    @Test
    void a_shortlist_entry_is_added_once_and_its_note_can_change() {
        fixture.givenNoPriorActivity()
                .when(new ShortlistUser(PAIR, ANN, BOB, "great portraits"))
                .expectEventsMatching(texts.exactly(new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "great portraits"))));
        fixture.given(new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "great portraits")))
                .when(new ShortlistUser(PAIR, ANN, BOB, "great portraits"))
                .expectNoEvents();
        fixture.given(new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "great portraits")))
                .when(new ShortlistUser(PAIR, ANN, BOB, "landscapes too"))
                .expectEventsMatching(texts.exactly(new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "landscapes too"))));
        fixture.given(new UserShortlisted(ANN, BOB, null))
                .when(new ShortlistUser(PAIR, ANN, BOB, null))
                .expectNoEvents();
        fixture.given(new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "x")))
                .when(new UnshortlistUser(PAIR, ANN, BOB))
                .expectEvents(new UserUnshortlisted(ANN, BOB));
        withoutHistory(Relationship.class).givenNoPriorActivity()
                .when(new UnshortlistUser(PAIR, ANN, BOB))
                .expectNoEvents();
    }

    @Test
    void an_erasure_ends_everything_between_the_two_both_ways_with_the_usual_events() {
        fixture.given(new UserFavorited(ANN, BOB, null), new UserFavorited(BOB, ANN, null), new MutualFavoriteFormed(ANN, BOB, BOB),
                        new UserShortlisted(ANN, BOB, texts.sealAbout(ANN, BOB, "note")), new UserShortlisted(BOB, ANN, null))
                .when(new EndForErasure(PAIR, ANN, BOB))
                .expectEventsMatching(texts.exactly(
                        new UserUnfavorited(ANN, BOB, Relationship.CAUSE_ERASURE),
                        new MutualFavoriteDissolved(ANN, BOB, ANN),
                        new UserUnfavorited(BOB, ANN, Relationship.CAUSE_ERASURE),
                        new UserUnshortlisted(ANN, BOB),
                        new UserUnshortlisted(BOB, ANN)));
        fixture.given(new UserExcluded(BOB, ANN, texts.sealAbout(BOB, ANN, "spam")))
                .when(new EndForErasure(PAIR, ANN, BOB))
                .expectEvents(new UserUnexcluded(BOB, ANN));
        fixture.given(new UserFavorited(ANN, BOB, null), new UserUnfavorited(ANN, BOB, Relationship.CAUSE_USER))
                .when(new EndForErasure(PAIR, ANN, BOB))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Nested
    class ImageFavorites {

        private final String id = UserIds.imageFavorite(ANN, "a".repeat(64));
        private final AggregateTestFixture<ImageFavorite> images = new AggregateTestFixture<>(ImageFavorite.class);

        @Test
        void an_image_is_favorited_once_and_unfavorited_once() {
            images.givenNoPriorActivity()
                    .when(new FavoriteImage(id, ANN, "a".repeat(64), "gallery"))
                    .expectEvents(new ImageFavorited(ANN, "a".repeat(64), "gallery"));
            images.given(new ImageFavorited(ANN, "a".repeat(64), null))
                    .when(new FavoriteImage(id, ANN, "a".repeat(64), null))
                    .expectNoEvents();
            images.given(new ImageFavorited(ANN, "a".repeat(64), null))
                    .when(new UnfavoriteImage(id, ANN, "a".repeat(64)))
                    .expectEvents(new ImageUnfavorited(ANN, "a".repeat(64)));
            withoutHistory(ImageFavorite.class).givenNoPriorActivity()
                    .when(new UnfavoriteImage(id, ANN, "a".repeat(64)))
                    .expectNoEvents();
        }
    }
}
