package io.picflow.query;

import java.util.Map;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;

/**
 * Where a projection's writes go when they are not for the read model in service: while a read model is
 * rebuilt, the same handlers write into a new generation of it (a new search index, a new cache) that
 * replaces the old one at the end. The rebuild's processor names the targets of its batches; every other
 * processor writes to the live ones. PostgreSQL tables need none of this: a rebuild's transactions find
 * its shadow tables first on their search path.
 */
public final class WriteTargets {

    /** Appended to a read model's name, it names that read model's rebuild (its processor, its tokens). */
    public static final String REBUILD_SUFFIX = ".rebuild";

    private static final String RESOURCE = WriteTargets.class.getName();

    private WriteTargets() {
    }

    /** The target of type {@code type} the current batch writes to, or {@code live} outside a rebuild. */
    public static <T> T orLive(Class<T> type, T live) {
        if (CurrentUnitOfWork.isStarted()) {
            Map<?, ?> targets = (Map<?, ?>) CurrentUnitOfWork.get().root().resources().get(RESOURCE);
            if (targets != null && targets.get(type) != null) {
                return type.cast(targets.get(type));
            }
        }
        return live;
    }

    /** Whether the current batch is a rebuild's. */
    public static boolean inRebuild() {
        return CurrentUnitOfWork.isStarted() && CurrentUnitOfWork.get().root().resources().containsKey(RESOURCE);
    }

    /** An interceptor for a rebuild's processor: its batches write to {@code targets} (by type). */
    public static MessageHandlerInterceptor<EventMessage<?>> directingTo(Map<Class<?>, Object> targets) {
        Map<Class<?>, Object> copy = Map.copyOf(targets);
        return (unitOfWork, chain) -> {
            unitOfWork.root().resources().put(RESOURCE, copy);
            return chain.proceed();
        };
    }
}
