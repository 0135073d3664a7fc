package io.picflow.command.notifications;

import io.picflow.command.CommandSender;
import io.picflow.command.outbound.OutboundDelivery;
import io.picflow.events.MetadataKeys;
import io.picflow.events.notifications.NotificationDelivered;
import io.picflow.events.notifications.NotificationDeliveryFailed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.axonframework.eventhandling.EventBus;
import org.axonframework.eventhandling.GenericEventMessage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tells the notifications a delivery carried how it ended, as events ({@code NotificationDelivered},
 * {@code NotificationDeliveryFailed}): the notification itself for a single one, every item for a digest, nothing for
 * a verification code. The engine calls this once per delivery, when the update that settles it succeeded, in that
 * update's transaction: the events commit with the outcome, and no aggregate needs loading to keep them unique. Also
 * measures the time from the source event to the provider's acceptance.
 */
@Component
class DeliveryOutcomes {

    /** A notification a delivery carried, with the time of its source event. */
    private record Carried(String notificationId, Instant sourceAt) {
    }

    private final JdbcClient jdbc;
    private final EventBus events;
    private final JsonMapper json;
    private final NotificationMetrics metrics;

    DeliveryOutcomes(JdbcClient jdbc, EventBus events, JsonMapper json, NotificationMetrics metrics) {
        this.jdbc = jdbc;
        this.events = events;
        this.json = json;
        this.metrics = metrics;
    }

    void settled(OutboundDelivery delivery, String errorCode, boolean retryable) {
        String userId = json.readTree(delivery.payload()).path("userId").asString(null);
        for (Carried carried : carried(delivery)) {
            if (errorCode == null) {
                metrics.delivered(delivery.channel(), Duration.between(carried.sourceAt(), Instant.now()));
            }
            Object event = errorCode == null
                    ? new NotificationDelivered(carried.notificationId(), userId, delivery.channel(), delivery.deliveryId())
                    : new NotificationDeliveryFailed(carried.notificationId(), userId, delivery.channel(), delivery.deliveryId(), errorCode,
                            retryable);
            events.publish(GenericEventMessage.asEventMessage(event).andMetaData(Map.of(MetadataKeys.CORRELATION_ID,
                    delivery.deliveryId(), MetadataKeys.CAUSATION_ID, delivery.deliveryId(), MetadataKeys.USER_ID, CommandSender.SYSTEM_USER)));
        }
    }

    private List<Carried> carried(OutboundDelivery delivery) {
        if (delivery.deliveryId().startsWith("digest:")) {
            return jdbc.sql("SELECT notification_id, created_at FROM notification_digest_item WHERE delivery_id = :id")
                    .param("id", delivery.deliveryId())
                    .query((row, i) -> new Carried(row.getString(1), row.getTimestamp(2).toInstant())).list();
        }
        if (delivery.deliveryId().startsWith("notif-")) {
            JsonNode payload = json.readTree(delivery.payload());
            return List.of(new Carried(payload.get("notificationId").asString(), Instant.parse(payload.get("createdAt").asString())));
        }
        return List.of();
    }
}
