package io.picflow.command.notifications;

import io.picflow.command.CommandSender;
import io.picflow.command.notifications.NotificationCommands.CreateNotification;
import io.picflow.command.users.UserIds;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadCompleted;
import io.picflow.events.downloads.ImageDownloadFailed;
import io.picflow.events.favorites.ImageFavorited;
import io.picflow.events.favorites.MutualFavoriteFormed;
import io.picflow.events.favorites.UserFavorited;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.command.UserActivity;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.DisallowReplay;
import org.axonframework.eventhandling.EventMessage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Turns source events into notifications (ADR 0017). A processing group of its own ({@value #PROCESSING_GROUP}) that
 * no rebuild touches, starting at the head of the event store when first deployed (it does not notify about
 * history). Each notification is created, and its deliveries recorded, in the transaction that also moves this
 * processor's token: a replay, a reset or a claim taken over by another node finds the notification created and
 * records nothing again.
 */
@Component
@ProcessingGroup(NotificationTriggers.PROCESSING_GROUP)
@DisallowReplay // a reset replays nothing here: what was processed before it, and history before the first deployment, stay untouched
class NotificationTriggers {

    static final String PROCESSING_GROUP = "notifications";
    /** IMAGE_FAVORITED goes to at most this many of the image's downloaders, the most recent first. */
    static final int MAX_IMAGE_RECIPIENTS = 1_000;

    private final CommandGateway commands;
    private final JdbcClient jdbc;
    private final UserActivity activity;
    private final io.picflow.platform.privacy.ErasedUsers erasedUsers;
    private final DeliveryPlanner planner;
    private final NotificationMetrics metrics;

    NotificationTriggers(CommandGateway commands, JdbcClient jdbc, UserActivity activity,
            io.picflow.platform.privacy.ErasedUsers erasedUsers, DeliveryPlanner planner,
            NotificationMetrics metrics) {
        this.commands = commands;
        this.jdbc = jdbc;
        this.activity = activity;
        this.erasedUsers = erasedUsers;
        this.planner = planner;
        this.metrics = metrics;
    }

    @EventHandler
    void on(UserFavorited event, EventMessage<?> message) {
        // The pair's aggregate refuses a favorite from a user the target excludes: it never reaches here.
        notify(message, event.targetId(), Trigger.FAVORITED, event.actorId(), "user", event.actorId());
    }

    @EventHandler
    void on(MutualFavoriteFormed event, EventMessage<?> message) {
        notify(message, event.userA(), Trigger.MUTUAL_FAVORITE, event.userB(), "user", event.userB());
        notify(message, event.userB(), Trigger.MUTUAL_FAVORITE, event.userA(), "user", event.userA());
    }

    @EventHandler
    void on(ImageDownloadCompleted event, EventMessage<?> message) {
        requester(event.downloadId()).ifPresent(user ->
                notify(message, user, Trigger.DOWNLOAD_COMPLETED, null, "download", event.downloadId()));
    }

    @EventHandler
    void on(ImageDownloadFailed event, EventMessage<?> message) {
        requester(event.downloadId()).ifPresent(user ->
                notify(message, user, Trigger.DOWNLOAD_FAILED, null, "download", event.downloadId()));
    }

    /**
     * The users who downloaded the image, without naming who favorited it. At most one per image and recipient per
     * hour: the notification's id is derived from the image and the hour, so later favorites of that hour find it
     * created and add nothing.
     */
    @EventHandler
    void on(ImageFavorited event, EventMessage<?> message) {
        List<String> recipients = jdbc.sql("SELECT user_id FROM finished_download WHERE image_id = :image AND outcome = 'COMPLETED' "
                        + "AND user_id <> :actor GROUP BY user_id ORDER BY max(finished_at) DESC LIMIT :limit")
                .param("image", event.imageId()).param("actor", event.actorId()).param("limit", MAX_IMAGE_RECIPIENTS)
                .query(String.class).list();
        String hour = message.getTimestamp().truncatedTo(ChronoUnit.HOURS).toString();
        // Up to 1,000 recipients: one look for erased ones rather than a lock each (an erasure that commits meanwhile
        // deletes the command side's rows; the query side skips recipients erased by the time it projects).
        java.util.Set<String> erasedRecipients = erasedUsers.erasedAmong(recipients);
        for (String recipient : recipients) {
            if (!erasedRecipients.contains(recipient)) {
                createFor(message, "image-favorited:" + event.imageId() + ":" + hour, recipient, Trigger.IMAGE_FAVORITED, null,
                        "image", event.imageId());
            }
        }
    }

    private Optional<String> requester(String downloadId) {
        return jdbc.sql("SELECT user_id FROM finished_download WHERE download_id = :id").param("id", downloadId)
                .query(String.class).optional();
    }

    private void notify(EventMessage<?> message, String recipient, Trigger trigger, String actorId, String subjectType, String subjectId) {
        create(message, message.getIdentifier(), recipient, trigger, actorId, subjectType, subjectId);
    }

    private void create(EventMessage<?> message, String source, String recipient, Trigger trigger, String actorId, String subjectType,
            String subjectId) {
        if (activity.lockIfNotErased(recipient)) { // and an erasure that begins now waits for this transaction, then deletes what it wrote
            createFor(message, source, recipient, trigger, actorId, subjectType, subjectId);
        }
    }

    private void createFor(EventMessage<?> message, String source, String recipient, Trigger trigger, String actorId,
            String subjectType, String subjectId) {
        String notificationId = UserIds.notification(source, recipient);
        Instant createdAt = message.getTimestamp();
        String correlation = String.valueOf(message.getMetaData().getOrDefault(MetadataKeys.CORRELATION_ID, message.getIdentifier()));
        // The notification's own stream is the guard: it answers false if it was created before (the source event was
        // processed already), and then nothing is planned again.
        NotificationPreferences prefs = planner.preferencesOf(recipient);
        boolean inApp = DeliveryPlanner.wantsInApp(prefs, trigger);
        Boolean created = commands.sendAndWait(GenericCommandMessage.asCommandMessage(new CreateNotification(notificationId, recipient,
                        trigger, actorId, subjectType, subjectId, 1, source, inApp))
                .andMetaData(Map.of(MetadataKeys.CORRELATION_ID, correlation, MetadataKeys.CAUSATION_ID, message.getIdentifier(),
                        MetadataKeys.USER_ID, CommandSender.SYSTEM_USER)));
        if (!Boolean.TRUE.equals(created)) {
            return;
        }
        jdbc.sql("INSERT INTO notification_recipient (notification_id, user_id, created_at) VALUES (:id, :user, :at) "
                        + "ON CONFLICT DO NOTHING")
                .param("id", notificationId).param("user", recipient).param("at", java.sql.Timestamp.from(createdAt)).update();
        metrics.created(trigger);
        planner.plan(new DeliveryPlanner.Planned(notificationId, recipient, trigger, actorId, subjectType, subjectId, createdAt), prefs);
    }
}
