package io.picflow.command.users;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.events.EncryptedText;
import io.picflow.events.users.UserErased;
import io.picflow.events.users.UserRegistered;
import io.picflow.platform.privacy.PersonalData;
import java.util.Objects;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * A user: their public profile, registered once, and their erasure, for good. The display name is held
 * encrypted, as it travels in the events (ADR 0011); {@link PersonalData} opens it to compare.
 */
@Aggregate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class User {

    @AggregateIdentifier
    private String id;
    private EncryptedText displayName;
    private boolean erased;

    /** Register {@code userId} (the caller) under {@code displayName}. */
    public record RegisterUser(@TargetAggregateIdentifier String aggregateId, String userId, String displayName) {
    }

    /** Record that {@code userId} is erased: the last step of an erasure ({@link UserErasure}). */
    public record EraseUser(@TargetAggregateIdentifier String aggregateId, String userId) {
    }

    /** Thrown when a registered user asks to register again under another name. */
    public static final class AlreadyRegistered extends RuntimeException {
        AlreadyRegistered() {
            super("Already registered under another name; changing the profile is not supported yet", null, false, false);
        }
    }

    /** Thrown when an erased user would act again. */
    public static final class Erased extends RuntimeException {
        Erased() {
            super("This user was erased", null, false, false);
        }
    }

    protected User() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(RegisterUser command, PersonalData personalData) {
        id = command.aggregateId();
        if (erased) {
            throw new Erased();
        }
        if (displayName == null) {
            apply(new UserRegistered(command.userId(), personalData.seal(command.userId(), command.displayName())));
        } else if (!Objects.equals(personalData.openOrNull(command.userId(), displayName), command.displayName())) {
            throw new AlreadyRegistered();
        }
    }

    /** Also for a subject that never registered (their downloads and favorites are erased all the same). */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(EraseUser command) {
        id = command.aggregateId();
        if (!erased) {
            apply(new UserErased(command.userId()));
        }
    }

    @EventSourcingHandler
    void on(UserRegistered event) {
        id = UserIds.user(event.userId());
        displayName = event.displayName();
    }

    @EventSourcingHandler
    void on(UserErased event) {
        id = UserIds.user(event.userId());
        displayName = null;
        erased = true;
    }
}
