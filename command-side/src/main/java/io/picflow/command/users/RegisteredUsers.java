package io.picflow.command.users;

import io.picflow.platform.privacy.ErasedUsers;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

/**
 * Whether a user has registered and is not erased, from the event store itself and the erasure record: no read
 * model to lag behind.
 */
@Component
public class RegisteredUsers {

    private final EventStore events;
    private final ErasedUsers erasedUsers;

    RegisteredUsers(EventStore events, ErasedUsers erasedUsers) {
        this.events = events;
        this.erasedUsers = erasedUsers;
    }

    public boolean exists(String userId) {
        // An erased subject's stream exists (it ends with UserErased), and so does that of one erased before registering.
        return events.lastSequenceNumberFor(UserIds.user(userId)).isPresent() && erasedUsers.erasedAt(userId).isEmpty();
    }
}
