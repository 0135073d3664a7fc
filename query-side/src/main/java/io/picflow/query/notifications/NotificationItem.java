package io.picflow.query.notifications;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One notification as the inbox ({@code GET /api/users/me/notifications}) lists it and as a {@code Notification} frame
 * of {@code /ws?scope=notifications} carries it. Every field is always present, null or not (unlike the rest of the
 * REST API): {@code readAt} null is unread, {@code actor} null names no one (or someone erased since).
 *
 * @param actor   who caused it: their id and display name (null while the query side has not seen their profile)
 * @param subject what it is about: {@code user}, {@code image} or {@code download}, and its id (null for an erased user)
 * @param text    the sentence to show ({@link NotificationTexts})
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record NotificationItem(String notificationId, String trigger, String priority, Instant createdAt, Instant readAt,
        Actor actor, Subject subject, String text) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Actor(String userId, String displayName) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Subject(String type, String id) {
    }

    /** The item of a stored notification; {@code actorName} is the actor's display name if known, {@code text} follows from it. */
    static NotificationItem of(String notificationId, String trigger, String priority, Instant createdAt, Instant readAt,
            String actorId, String actorName, String subjectType, String subjectId, int count) {
        return new NotificationItem(notificationId, trigger, priority, createdAt, readAt,
                actorId == null ? null : new Actor(actorId, actorName), new Subject(subjectType, subjectId),
                NotificationTexts.text(trigger, count, actorId == null ? null : actorName));
    }
}
