package io.picflow.command.notifications;

import io.picflow.command.CommandSender;
import io.picflow.command.notifications.NotificationCommands.RecordDeliveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Tells the notifications a delivery carried how it ended, as events ({@code NotificationDelivered},
 * {@code NotificationDeliveryFailed}): the notification itself for a single one, every item for a digest, nothing for
 * a verification code. Also measures the time from the source event to the provider's acceptance.
 */
@Component
class DeliveryOutcomes {

    private final JdbcClient jdbc;
    private final CommandSender commands;
    private final NotificationMetrics metrics;

    DeliveryOutcomes(JdbcClient jdbc, CommandSender commands, NotificationMetrics metrics) {
        this.jdbc = jdbc;
        this.commands = commands;
        this.metrics = metrics;
    }

    void settled(String deliveryId, String channel, String errorCode, boolean retryable) {
        List<String> notifications = deliveryId.startsWith("digest:")
                ? jdbc.sql("SELECT notification_id FROM notification_digest_item WHERE delivery_id = :id").param("id", deliveryId)
                        .query(String.class).list()
                : deliveryId.startsWith("notif-") ? List.of(deliveryId.substring(0, deliveryId.lastIndexOf(':'))) : List.of();
        for (String notificationId : notifications) {
            if (errorCode == null) {
                jdbc.sql("SELECT created_at FROM notification_recipient WHERE notification_id = :id").param("id", notificationId)
                        .query(java.sql.Timestamp.class).optional()
                        .ifPresent(created -> metrics.delivered(channel, Duration.between(created.toInstant(), Instant.now())));
            }
            commands.sendAsSystem(new RecordDeliveryOutcome(notificationId, channel, deliveryId, errorCode, retryable), deliveryId);
        }
    }
}
