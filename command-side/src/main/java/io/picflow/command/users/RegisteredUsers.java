package io.picflow.command.users;

import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

/**
 * Whether a user has registered, from the event store itself: no read model to lag behind. An erased user's stream
 * exists too; a command naming them is refused in its own transaction ({@code UserActivityCheck}: 404).
 */
@Component
public class RegisteredUsers {

    private final EventStore events;

    RegisteredUsers(EventStore events) {
        this.events = events;
    }

    public boolean exists(String userId) {
        return events.lastSequenceNumberFor(UserIds.user(userId)).isPresent();
    }
}
