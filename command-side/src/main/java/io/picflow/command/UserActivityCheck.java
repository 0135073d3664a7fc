package io.picflow.command;

import java.util.Map;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.stereotype.Component;

/**
 * Runs {@link UserActivity}'s check for the commands {@link CommandSender} marks, inside the command's own unit of
 * work and transaction (the command bus starts the transaction before any handler interceptor): so the lock is
 * held until the events commit, and the command bus still commits its own transaction, which is what wakes the
 * event processors at once (a transaction of the caller's would leave them to their next poll).
 */
@Component
class UserActivityCheck implements MessageHandlerInterceptor<CommandMessage<?>> {

    /** Metadata of a command sent for a user who must not be erased: that user's id. Not copied into events. */
    static final String ACTOR = "picflow.refuseErasedActor";
    /** Metadata of a command about another user, who must not be erased either (a 404 then). */
    static final String OTHER = "picflow.refuseErasedOther";

    private final UserActivity userActivity;

    UserActivityCheck(CommandBus commandBus, UserActivity userActivity) {
        this.userActivity = userActivity;
        commandBus.registerHandlerInterceptor(this);
    }

    /** The metadata that asks for the check. */
    static Map<String, String> metadata(String actorId, String otherUserId) {
        return otherUserId == null ? Map.of(ACTOR, actorId) : Map.of(ACTOR, actorId, OTHER, otherUserId);
    }

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unitOfWork, InterceptorChain chain) throws Exception {
        Object actor = unitOfWork.getMessage().getMetaData().get(ACTOR);
        if (actor != null) {
            Object other = unitOfWork.getMessage().getMetaData().get(OTHER);
            userActivity.requireNotErased(actor.toString(), other == null ? null : other.toString());
        }
        return chain.proceed();
    }
}
