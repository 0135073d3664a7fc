package io.picflow.command.users;

import io.picflow.events.users.UserRegistered;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Registration: once, with a display name; repeating it changes nothing, renaming is refused. */
class UserTest {

    private AggregateTestFixture<User> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(User.class);
    }

    @Test
    void a_first_registration_records_the_public_profile_only() {
        fixture.givenNoPriorActivity()
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada"))
                .expectEvents(new UserRegistered("ada", "Ada"));
    }

    @Test
    void registering_again_with_the_same_name_changes_nothing() {
        fixture.given(new UserRegistered("ada", "Ada"))
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada"))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void registering_again_under_another_name_is_refused() {
        fixture.given(new UserRegistered("ada", "Ada"))
                .when(new User.RegisterUser(UserIds.user("ada"), "ada", "Ada L."))
                .expectException(User.AlreadyRegistered.class)
                .expectNoEvents();
    }
}
