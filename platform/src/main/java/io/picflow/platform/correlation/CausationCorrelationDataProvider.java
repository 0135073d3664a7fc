package io.picflow.platform.correlation;

import io.picflow.events.MetadataKeys;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.correlation.CorrelationDataProvider;

/**
 * Replaces Axon's default provider, which stores the parent's id as {@code correlationId} and the
 * root as {@code traceId}. Ours keeps the root action's id as {@code correlationId}, the parent
 * message's id as {@code causationId}, and carries the acting user along.
 */
public class CausationCorrelationDataProvider implements CorrelationDataProvider {

    @Override
    public Map<String, ?> correlationDataFor(Message<?> message) {
        Map<String, Object> data = new HashMap<>();
        Object root = message.getMetaData().get(MetadataKeys.CORRELATION_ID);
        data.put(MetadataKeys.CORRELATION_ID, root != null ? root : message.getIdentifier());
        data.put(MetadataKeys.CAUSATION_ID, message.getIdentifier());
        Object user = message.getMetaData().get(MetadataKeys.USER_ID);
        if (user != null) {
            data.put(MetadataKeys.USER_ID, user);
        }
        return data;
    }
}
