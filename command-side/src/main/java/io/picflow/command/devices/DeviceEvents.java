package io.picflow.command.devices;

import io.picflow.events.MetadataKeys;
import java.util.Map;
import org.axonframework.eventhandling.EventBus;
import org.axonframework.eventhandling.GenericEventMessage;

/**
 * Publishes the devices' events on the event bus, in the caller's database transaction: outside a unit of work the
 * event store appends at once, on the transaction's connection, so an event commits with the row change it describes
 * or not at all.
 */
final class DeviceEvents {

    private final EventBus events;

    DeviceEvents(EventBus events) {
        this.events = events;
    }

    /** {@code correlationId}: the request's, or the delivery's; {@code actingUser}: the caller, or picflow itself. */
    void publish(Object event, String correlationId, String actingUser) {
        events.publish(GenericEventMessage.asEventMessage(event).andMetaData(Map.of(MetadataKeys.CORRELATION_ID, correlationId,
                MetadataKeys.CAUSATION_ID, correlationId, MetadataKeys.USER_ID, actingUser)));
    }
}
