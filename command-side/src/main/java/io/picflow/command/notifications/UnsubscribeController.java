package io.picflow.command.notifications;

import io.picflow.command.CommandSender;
import io.picflow.command.notifications.NotificationCommands.TurnOff;
import io.picflow.command.users.UserIds;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * One-click unsubscribe (RFC 8058): {@code POST /api/unsubscribe?t=} turns off what the signed {@code t} names (a
 * trigger on a channel, or the channel's digests) with no token; idempotent. {@code GET} only shows a page with a
 * confirm button: mail scanners follow GET links, and must not unsubscribe anyone.
 */
@RestController
class UnsubscribeController {

    private final UnsubscribeTokens tokens;
    private final CommandSender commands;

    UnsubscribeController(UnsubscribeTokens tokens, CommandSender commands) {
        this.tokens = tokens;
        this.commands = commands;
    }

    record Unsubscribed(String trigger, String channel) {
    }

    @GetMapping(path = "/api/unsubscribe", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> confirmPage(@RequestParam(name = "t", required = false) String t) {
        UnsubscribeTokens.Unsubscribe what = verified(t);
        String description = UnsubscribeTokens.DIGEST.equals(what.trigger())
                ? "all " + what.channel() + " notifications" : what.trigger().toLowerCase().replace('_', ' ') + " notifications by "
                + what.channel();
        String page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribe - picflow</title>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>"
                + "<h1>Unsubscribe</h1><p>Stop " + HtmlUtils.htmlEscape(description) + "?</p>"
                + "<form method=\"post\" action=\"/api/unsubscribe?t=" + HtmlUtils.htmlEscape(t) + "\">"
                + "<button type=\"submit\">Unsubscribe</button></form></body></html>";
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(page);
    }

    @PostMapping("/api/unsubscribe")
    Unsubscribed unsubscribe(@RequestParam(name = "t", required = false) String t, HttpServletRequest request) {
        UnsubscribeTokens.Unsubscribe what = verified(t);
        commands.sendAsUser(new TurnOff(UserIds.notificationSettings(what.userId()), what.userId(), what.trigger(), what.channel()),
                what.userId(), CorrelationIdFilter.of(request));
        return new Unsubscribed(what.trigger(), what.channel());
    }

    private UnsubscribeTokens.Unsubscribe verified(String t) {
        return tokens.verify(t).filter(what -> PreferencesDocument.CHANNELS.contains(what.channel()))
                .orElseThrow(() -> ProblemException.badRequest("t: not an unsubscribe link of this service"));
    }

    /** The preferences with the trigger off on the channel, or (for a digest's link) the whole channel off. */
    static NotificationPreferences without(NotificationPreferences preferences, UnsubscribeTokens.Unsubscribe what) {
        Map<String, Channel> channels = new LinkedHashMap<>(preferences.channels());
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>();
        preferences.triggers().forEach((trigger, perChannel) -> triggers.put(trigger, new LinkedHashMap<>(perChannel)));
        if (UnsubscribeTokens.DIGEST.equals(what.trigger())) {
            Channel channel = channels.get(what.channel());
            channels.put(what.channel(), new Channel(false, channel.digest(), channel.digestAt()));
        } else if (triggers.containsKey(what.trigger())) {
            triggers.get(what.trigger()).put(what.channel(), false);
        }
        return new NotificationPreferences(preferences.timeZone(), preferences.quietHours(), channels, triggers);
    }
}
