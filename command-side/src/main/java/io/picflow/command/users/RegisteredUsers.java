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

    private final io.picflow.platform.privacy.PersonalData personalData;

    RegisteredUsers(EventStore events, io.picflow.platform.privacy.PersonalData personalData) {
        this.events = events;
        this.personalData = personalData;
    }

    /** The user's display name, if they registered and are not erased (their key is gone then). */
    public java.util.Optional<String> displayName(String userId) {
        return events.readEvents(UserIds.user(userId)).asStream()
                .map(org.axonframework.eventhandling.EventMessage::getPayload)
                .filter(io.picflow.events.users.UserRegistered.class::isInstance)
                .map(io.picflow.events.users.UserRegistered.class::cast)
                .reduce((first, second) -> second)
                .flatMap(registered -> personalData.open(userId, registered.displayName()));
    }

    public boolean exists(String userId) {
        return events.lastSequenceNumberFor(UserIds.user(userId)).isPresent();
    }
}
