package io.picflow.platform.correlation;

import io.picflow.events.MetadataKeys;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.MDC;

/** Puts the handled message's correlation id in the logging context, so handler log lines carry it. */
public class CorrelationLoggingInterceptor<T extends Message<?>> implements MessageHandlerInterceptor<T> {

    @Override
    public Object handle(UnitOfWork<? extends T> unitOfWork, InterceptorChain chain) throws Exception {
        Object correlationId = unitOfWork.getMessage().getMetaData().get(MetadataKeys.CORRELATION_ID);
        String previous = MDC.get(CorrelationIdFilter.MDC_KEY);
        if (correlationId != null) {
            MDC.put(CorrelationIdFilter.MDC_KEY, correlationId.toString());
        }
        try {
            return chain.proceed();
        } finally {
            if (previous != null) {
                MDC.put(CorrelationIdFilter.MDC_KEY, previous);
            } else {
                MDC.remove(CorrelationIdFilter.MDC_KEY);
            }
        }
    }
}
