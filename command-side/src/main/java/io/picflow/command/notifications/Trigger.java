package io.picflow.command.notifications;

/** What a notification is about, with its priority (which decides whether it may pass quiet hours). */
enum Trigger {
    FAVORITED(Priority.NORMAL),
    MUTUAL_FAVORITE(Priority.HIGH),
    IMAGE_FAVORITED(Priority.LOW),
    DOWNLOAD_COMPLETED(Priority.LOW),
    DOWNLOAD_FAILED(Priority.NORMAL);

    enum Priority { LOW, NORMAL, HIGH }

    final Priority priority;

    Trigger(Priority priority) {
        this.priority = priority;
    }
}
