package io.picflow.command.notifications;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.command.notifications.NotificationCommands.CreateNotification;
import io.picflow.command.notifications.NotificationCommands.MarkNotificationRead;
import io.picflow.command.notifications.NotificationCommands.UnknownNotification;
import io.picflow.events.notifications.NotificationCreated;
import io.picflow.events.notifications.NotificationRead;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * One notification of one user. Its id is derived from the source event and the recipient, so creating it is
 * idempotent: a replayed or re-processed source event finds it created and changes nothing.
 */
@Aggregate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
class Notification {

    @AggregateIdentifier
    private String notificationId;
    private String recipientId;
    private boolean read;

    protected Notification() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    boolean handle(CreateNotification command) {
        if (recipientId != null) {
            return false; // created already: the source event was processed before
        }
        apply(new NotificationCreated(command.notificationId(), command.recipientId(), command.trigger().name(),
                command.trigger().priority.name(), command.actorId(), command.subjectType(), command.subjectId(), command.count(),
                command.sourceEventId(), command.inApp()));
        return true;
    }

    @CommandHandler
    void handle(MarkNotificationRead command) {
        if (!command.userId().equals(recipientId)) {
            throw new UnknownNotification(command.notificationId());
        }
        if (!read) {
            apply(new NotificationRead(notificationId, recipientId));
        }
    }

    @EventSourcingHandler
    void on(NotificationCreated event) {
        notificationId = event.notificationId();
        recipientId = event.recipientId();
    }

    @EventSourcingHandler
    void on(NotificationRead event) {
        read = true;
    }
}
