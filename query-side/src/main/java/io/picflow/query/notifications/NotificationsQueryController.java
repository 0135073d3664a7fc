package io.picflow.query.notifications;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.platform.security.CurrentUser;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The caller's inbox and notification preferences: {@code GET /api/users/me/notifications} and
 * {@code GET /api/users/me/notification-preferences} (the command side takes the changes: reads, read-all, PUT).
 */
@RestController
class NotificationsQueryController {

    /** A page of the inbox: {@code total} counts what the filter matches, {@code unread} the caller's unread notifications. */
    record InboxPage(List<NotificationItem> items, int page, int size, long total, long unread) {
    }

    private final NotificationInbox inbox;
    private final PreferencesView preferencesView;

    NotificationsQueryController(NotificationInbox inbox, JsonMapper json, NotificationInboxProperties properties) {
        this.inbox = inbox;
        this.preferencesView = new PreferencesView(json, properties.availableChannels());
    }

    /** Newest first; {@code unread=true} lists only the unread ones, {@code false} (the default) all of them. */
    @GetMapping("/api/users/me/notifications")
    InboxPage notifications(@RequestParam(defaultValue = "false") boolean unread,
            @RequestParam(defaultValue = "0") @Min(value = 0, message = "page: must be 0 or more") int page,
            @RequestParam(defaultValue = "20") @Min(value = 1, message = "size: must be 1 to 100")
            @Max(value = 100, message = "size: must be 1 to 100") int size) {
        String me = CurrentUser.get().id();
        NotificationInbox.Counts counts = inbox.counts(me, unread);
        return new InboxPage(inbox.items(me, unread, page, size), page, size, counts.matching(), counts.unread());
    }

    /** The preferences the caller last set, or the defaults before they set any; each channel says whether it is available. */
    @GetMapping("/api/users/me/notification-preferences")
    ObjectNode preferences() {
        NotificationPreferences preferences = inbox.preferences(CurrentUser.get().id()).orElseGet(DefaultPreferences::get);
        return preferencesView.render(preferences);
    }
}
