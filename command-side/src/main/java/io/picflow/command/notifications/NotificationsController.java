package io.picflow.command.notifications;

import io.picflow.command.CommandSender;
import io.picflow.command.notifications.NotificationCommands.ChangePreferences;
import io.picflow.command.notifications.NotificationCommands.MarkAllNotificationsRead;
import io.picflow.command.notifications.NotificationCommands.MarkNotificationRead;
import io.picflow.command.notifications.NotificationCommands.UnknownNotification;
import io.picflow.command.users.UserIds;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Clock;
import java.util.regex.Pattern;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The commands on a user's own notifications: preferences (the whole document), reading one, reading all. Each answers
 * 202 once its event is stored; the query side shows the result (GET of the same paths).
 */
@RestController
class NotificationsController {

    private static final Pattern NOTIFICATION_ID = Pattern.compile("notif-[0-9a-f]{64}");

    private final CommandSender commands;
    private final Clock clock;

    NotificationsController(CommandSender commands, Clock clock) {
        this.commands = commands;
        this.clock = clock;
    }

    record Accepted(String correlationId) {
    }

    @PutMapping("/api/users/me/notification-preferences")
    ResponseEntity<Accepted> changePreferences(@RequestBody JsonNode body, HttpServletRequest request) {
        CurrentUser me = CurrentUser.get();
        ChangePreferences command = new ChangePreferences(UserIds.notificationSettings(me.id()), me.id(), PreferencesDocument.parse(body));
        return accepted(command, me, request, "/api/users/me/notification-preferences");
    }

    @PostMapping("/api/users/me/notifications/{notificationId}/read")
    ResponseEntity<Accepted> read(@PathVariable String notificationId, HttpServletRequest request) {
        CurrentUser me = CurrentUser.get();
        if (!NOTIFICATION_ID.matcher(notificationId).matches()) {
            throw ProblemException.notFound("No notification " + notificationId);
        }
        try {
            return accepted(new MarkNotificationRead(notificationId, me.id()), me, request, "/api/users/me/notifications");
        } catch (RuntimeException e) {
            if (causedBy(e, UnknownNotification.class) || causedBy(e, AggregateNotFoundException.class)) {
                throw ProblemException.notFound("No notification " + notificationId); // or another user's: the same answer
            }
            throw e;
        }
    }

    @PostMapping("/api/users/me/notifications/read-all")
    ResponseEntity<Accepted> readAll(HttpServletRequest request) {
        CurrentUser me = CurrentUser.get();
        return accepted(new MarkAllNotificationsRead(UserIds.notificationSettings(me.id()), me.id(), clock.instant()), me, request,
                "/api/users/me/notifications");
    }

    private ResponseEntity<Accepted> accepted(Object command, CurrentUser me, HttpServletRequest request, String location) {
        String correlationId = CorrelationIdFilter.of(request);
        commands.send(command, me, correlationId);
        return ResponseEntity.accepted().location(URI.create(location)).body(new Accepted(correlationId));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
