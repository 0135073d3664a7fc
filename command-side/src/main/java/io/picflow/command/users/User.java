package io.picflow.command.users;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.events.users.UserRegistered;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

/** A registered user's public profile. Registration is once; repeating it with the same name changes nothing. */
@Aggregate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class User {

    @AggregateIdentifier
    private String id;
    private String displayName;

    /** Register {@code userId} (the caller) under {@code displayName}. */
    public record RegisterUser(@TargetAggregateIdentifier String aggregateId, String userId, String displayName) {
    }

    /** Thrown when a registered user asks to register again under another name. */
    public static final class AlreadyRegistered extends RuntimeException {
        AlreadyRegistered(String displayName) {
            super("Already registered as \"" + displayName + "\"; changing the profile is not supported yet", null, false, false);
        }
    }

    protected User() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(RegisterUser command) {
        if (displayName == null) {
            apply(new UserRegistered(command.userId(), command.displayName()));
        } else if (!displayName.equals(command.displayName())) {
            throw new AlreadyRegistered(displayName);
        }
    }

    @EventSourcingHandler
    void on(UserRegistered event) {
        id = UserIds.user(event.userId());
        displayName = event.displayName();
    }
}
