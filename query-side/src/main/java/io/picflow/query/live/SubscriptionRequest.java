package io.picflow.query.live;

import io.picflow.platform.security.CurrentUser;
import io.picflow.query.downloads.DownloadChanges;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the query parameters of {@code /ws} into a {@link Subscription} for a user, or a refusal
 * with the close code the protocol gives it (docs/websocket.md).
 */
final class SubscriptionRequest {

    static final int CLOSE_BAD_REQUEST = SocketHandshake.CLOSE_BAD_REQUEST;
    static final int CLOSE_FORBIDDEN = 4403;

    private static final Pattern DOWNLOAD_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    /** Why a connection is refused, as a WebSocket close. */
    static final class Refusal extends Exception {
        final int code;

        Refusal(int code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }
    }

    /** A valid request: what to follow, and where to resume (null: start from the current state). */
    record Parsed(Subscription subscription, Long after) {
    }

    private SubscriptionRequest() {
    }

    static Parsed parse(Map<String, List<String>> parameters, CurrentUser user) throws Refusal {
        String downloadId = single(parameters, "downloadId");
        String scope = single(parameters, "scope");
        String types = single(parameters, "types");
        Long after = after(single(parameters, "after"));
        int given = (downloadId == null ? 0 : 1) + (scope == null ? 0 : 1) + (types == null ? 0 : 1);
        if (given != 1) {
            throw new Refusal(CLOSE_BAD_REQUEST, "Give exactly one of downloadId=, scope=mine, scope=notifications or types=");
        }
        if (downloadId != null) {
            if (!DOWNLOAD_ID.matcher(downloadId).matches()) {
                throw new Refusal(CLOSE_BAD_REQUEST, "downloadId: not a download id");
            }
            // Users see only their own downloads; an admin follows anyone's.
            return new Parsed(new Subscription(downloadId, user.admin() ? null : user.id(), null), after);
        }
        if (scope != null) {
            // Admins too get only their own: their downloads, their notifications.
            if (scope.equals("mine")) {
                return new Parsed(new Subscription(null, user.id(), null), after);
            }
            if (scope.equals("notifications")) {
                return new Parsed(Subscription.notificationsOf(user.id()), after);
            }
            throw new Refusal(CLOSE_BAD_REQUEST, "scope: scope=mine or scope=notifications");
        }
        Set<String> eventTypes = new LinkedHashSet<>(Arrays.asList(types.split(",")));
        eventTypes.remove("");
        if (eventTypes.isEmpty()) {
            throw new Refusal(CLOSE_BAD_REQUEST, "types: name at least one event type");
        }
        for (String type : eventTypes) {
            if (!DownloadChanges.EVENT_TYPES.contains(type)) {
                throw new Refusal(CLOSE_BAD_REQUEST, "types: unknown event type " + truncate(type));
            }
        }
        if (!user.admin()) {
            throw new Refusal(CLOSE_FORBIDDEN, "types= is for admins");
        }
        return new Parsed(new Subscription(null, null, Set.copyOf(eventTypes)), after);
    }

    private static Long after(String value) throws Refusal {
        if (value == null) {
            return null;
        }
        try {
            long after = Long.parseLong(value);
            if (after >= 0) {
                return after;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refusal(CLOSE_BAD_REQUEST, "after: a position (a number, 0 or more)");
    }

    private static String single(Map<String, List<String>> parameters, String name) throws Refusal {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new Refusal(CLOSE_BAD_REQUEST, name + ": given more than once");
        }
        String value = values.get(0);
        return value == null || value.isEmpty() ? null : value;
    }

    /** Close reasons are limited to 123 bytes. */
    private static String truncate(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
