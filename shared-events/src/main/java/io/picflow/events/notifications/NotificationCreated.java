package io.picflow.events.notifications;

import org.axonframework.serialization.Revision;

/**
 * {@code recipientId} has a new notification. Its id is derived from the source event and the recipient, so one
 * source event notifies a recipient at most once.
 *
 * @param trigger       {@code FAVORITED}, {@code MUTUAL_FAVORITE}, {@code IMAGE_FAVORITED}, {@code DOWNLOAD_COMPLETED},
 *                      {@code DOWNLOAD_FAILED}
 * @param priority      {@code LOW}, {@code NORMAL} or {@code HIGH}
 * @param actorId       the user who caused it, or null where none is named
 * @param subjectType   what it is about: {@code user}, {@code image} or {@code download}
 * @param subjectId     the id of that
 * @param count         how many source events it stands for (1 unless folded)
 * @param sourceEventId the event that caused it (for IMAGE_FAVORITED: the image and the hour it stands for)
 * @param inApp         whether it shows in the recipient's inbox and live (their in-app preference for the trigger);
 *                      a notification only sent by other channels is not shown there
 */
@Revision("1")
public record NotificationCreated(String notificationId, String recipientId, String trigger, String priority, String actorId,
        String subjectType, String subjectId, int count, String sourceEventId, boolean inApp) {
}
