package io.picflow.query;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.annotation.HandlerEnhancerDefinition;
import org.axonframework.messaging.annotation.MessageHandlingMember;
import org.axonframework.messaging.annotation.WrappedMessageHandlingMember;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs each query-side event handler in a savepoint of the batch's transaction. In PostgreSQL a failed
 * statement aborts the whole transaction; without the savepoint, the dead-letter queue could not
 * record the failing event in that same transaction, and the batch would fail over and over. With it,
 * a failing handler's writes are undone, the event is parked, and the rest of the batch commits.
 * Handlers whose writes are deferred to the end of the batch ({@link BatchedWrites}) need no savepoint.
 */
@Component
class EventHandlerSavepoints implements HandlerEnhancerDefinition {

    private final TransactionTemplate savepoint;
    private final BatchedWrites batchedWrites;

    EventHandlerSavepoints(PlatformTransactionManager transactions, BatchedWrites batchedWrites) {
        this.batchedWrites = batchedWrites;
        this.savepoint = new TransactionTemplate(transactions);
        savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    @Override
    public <T> MessageHandlingMember<T> wrapHandler(MessageHandlingMember<T> original) {
        boolean ours = original.declaringClass().getPackageName().startsWith(EventHandlerSavepoints.class.getPackageName());
        if (!ours || original.annotationAttributes(EventHandler.class).isEmpty()) {
            return original;
        }
        ProcessingGroup group = original.declaringClass().getAnnotation(ProcessingGroup.class);
        return new WrappedMessageHandlingMember<>(original) {
            @Override
            public Object handle(Message<?> message, T target) throws Exception {
                if (!TransactionSynchronizationManager.isActualTransactionActive()
                        || (group != null && batchedWrites.deferring(group.value()))) {
                    // A handler whose writes wait for the end of the batch runs no statement that could abort the transaction.
                    return super.handle(message, target);
                }
                try {
                    return savepoint.execute(status -> invoke(message, target));
                } catch (HandlerFailure failure) {
                    throw failure.exception;
                }
            }

            private Object invoke(Message<?> message, T target) {
                try {
                    return super.handle(message, target);
                } catch (Exception e) {
                    throw new HandlerFailure(e); // rolls back to the savepoint
                }
            }
        };
    }

    /** Carries a handler's exception out of the savepoint's callback, which only lets unchecked ones through. */
    private static final class HandlerFailure extends RuntimeException {
        private final Exception exception;

        HandlerFailure(Exception exception) {
            super(exception.getMessage(), exception, false, false);
            this.exception = exception;
        }
    }
}
