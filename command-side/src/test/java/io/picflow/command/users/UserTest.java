package io.picflow.command.users;

import io.picflow.command.support.SealedTexts;
import io.picflow.events.users.UserErased;
import io.picflow.events.users.UserRegistered;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Registration: once, with a display name that travels encrypted with the user's key; repeating it changes
 * nothing, renaming is refused. Erasure: once, for good.
 */
class UserTest {

    private final SealedTexts texts = new SealedTexts();
    private AggregateTestFixture<User> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(User.class);
        fixture.registerInjectableResource(texts.personalData());
    }

    @Test
    void a_first_registration_records_the_public_profile_only_with_its_name_encrypted() {
        fixture.givenNoPriorActivity()
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada"))
                .expectEventsMatching(texts.exactly(new UserRegistered("ada", texts.seal("ada", "Ada"))))
                .expectState(user -> {
                    // What is stored (and snapshotted) is the ciphertext, never the name.
                    org.assertj.core.api.Assertions.assertThat(user).extracting("displayName").asString().doesNotContain("Ada");
                });
    }

    @Test
    void registering_again_with_the_same_name_changes_nothing() {
        fixture.given(new UserRegistered("ada", texts.seal("ada", "Ada")))
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada"))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void registering_again_under_another_name_is_refused() {
        fixture.given(new UserRegistered("ada", texts.seal("ada", "Ada")))
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada L."))
                .expectException(User.AlreadyRegistered.class)
                .expectNoEvents();
    }

    @Test
    void erasing_records_it_once_also_for_a_user_who_never_registered() {
        fixture.givenNoPriorActivity()
                .when(new User.EraseUser(UserIds.user("ada"), "ada"))
                .expectEvents(new UserErased("ada"));
        fixture.given(new UserRegistered("ada", texts.seal("ada", "Ada")), new UserErased("ada"))
                .when(new User.EraseUser(UserIds.user("ada"), "ada"))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void an_erased_user_cannot_register_again() {
        fixture.given(new UserRegistered("ada", texts.seal("ada", "Ada")), new UserErased("ada"))
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada"))
                .expectException(User.Erased.class)
                .expectNoEvents();
    }
}
