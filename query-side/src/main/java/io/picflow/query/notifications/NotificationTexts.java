package io.picflow.query.notifications;

/**
 * The wording of a notification, in English: the {@code text} of inbox items and of {@code Notification} frames. The
 * command side renders the same sentences in emails with its own copy of this class (neither side depends on the
 * other): a change here goes there too.
 */
public final class NotificationTexts {

    /** The actor of a notification whose actor is erased or unknown. */
    public static final String SOMEONE = "Someone";

    private NotificationTexts() {
    }

    /**
     * @param trigger   {@code FAVORITED}, {@code MUTUAL_FAVORITE}, {@code IMAGE_FAVORITED}, {@code DOWNLOAD_COMPLETED} or
     *                  {@code DOWNLOAD_FAILED}
     * @param count     how many source events the notification stands for
     * @param actorName the actor's display name; null (erased, or not known yet) reads "Someone"
     */
    public static String text(String trigger, int count, String actorName) {
        String actor = actorName == null || actorName.isBlank() ? SOMEONE : actorName;
        switch (trigger) {
            case "FAVORITED":
                return actor + " favorited you";
            case "MUTUAL_FAVORITE":
                return "You and " + actor + " now favorite each other";
            case "IMAGE_FAVORITED":
                return count <= 1 ? "Your image got a new favorite" : "Your image got " + count + " new favorites";
            case "DOWNLOAD_COMPLETED":
                return "Your download completed";
            case "DOWNLOAD_FAILED":
                return "Your download failed";
            default:
                return "You have a new notification"; // a trigger newer than this class
        }
    }

    /** Whether the text of {@code trigger} names the actor (and so changes when the actor is erased). */
    public static boolean namesActor(String trigger) {
        return "FAVORITED".equals(trigger) || "MUTUAL_FAVORITE".equals(trigger);
    }
}
