package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.picflow.platform.security.CurrentUser;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /ws?scope=notifications} against {@code scope=mine}, {@code downloadId=} and {@code types=}: each follows its
 * own feed, and no download subscription ever matches a notification frame (nor the other way round). The catch-up
 * SQL is checked end to end in NotificationInboxTest. (Here rather than with it: these classes are the live package's.)
 */
class NotificationSubscriptionTest {

    private static final CurrentUser ANN = new CurrentUser("ann", false);
    private static final CurrentUser ADMIN = new CurrentUser("root", true);

    private final FeedEntry annNotification = entry(1, "Notification", null, "ann");
    private final FeedEntry annRead = entry(2, "NotificationRead", null, "ann");
    private final FeedEntry annAllRead = entry(3, "AllNotificationsRead", null, "ann");
    private final FeedEntry annDownload = entry(4, "ImageFetchStarted", "d1", "ann");
    private final FeedEntry bobNotification = entry(5, "Notification", null, "bob");

    @Test
    void scope_notifications_follows_the_caller_s_notification_frames_and_nothing_else() throws Exception {
        SubscriptionRequest.Parsed parsed = SubscriptionRequest.parse(Map.of("scope", List.of("notifications"), "after", List.of("12")), ANN);

        Subscription subscription = parsed.subscription();
        assertThat(parsed.after()).isEqualTo(12L);
        assertThat(subscription.feed()).isEqualTo(Subscription.Feed.NOTIFICATIONS);
        assertThat(subscription.owner()).isEqualTo("ann");
        assertThat(subscription.downloadId()).isNull();
        assertThat(subscription.types()).isNull();
        // Connecting without after= shows no current state: only CaughtUp, then live frames.
        assertThat(subscription.hasCurrentState()).isFalse();
        assertThat(subscription.matches(annNotification)).isTrue();
        assertThat(subscription.matches(annRead)).isTrue();
        assertThat(subscription.matches(annAllRead)).isTrue();
        assertThat(subscription.matches(annDownload)).isFalse();
        assertThat(subscription.matches(bobNotification)).isFalse();
    }

    @Test
    void an_admin_too_gets_only_their_own_notifications() throws Exception {
        Subscription subscription = SubscriptionRequest.parse(Map.of("scope", List.of("notifications")), ADMIN).subscription();

        assertThat(subscription.owner()).isEqualTo("root");
        assertThat(subscription.matches(annNotification)).isFalse();
        assertThat(subscription.matches(entry(9, "Notification", null, "root"))).isTrue();
    }

    @Test
    void scope_mine_follows_the_caller_s_downloads_and_never_their_notifications() throws Exception {
        Subscription subscription = SubscriptionRequest.parse(Map.of("scope", List.of("mine")), ANN).subscription();

        assertThat(subscription.feed()).isEqualTo(Subscription.Feed.DOWNLOADS);
        assertThat(subscription.hasCurrentState()).isTrue();
        assertThat(subscription.matches(annDownload)).isTrue();
        assertThat(subscription.matches(annNotification)).isFalse();
        assertThat(subscription.matches(annRead)).isFalse();
        assertThat(subscription.matches(annAllRead)).isFalse();
    }

    @Test
    void download_and_type_subscriptions_never_match_notification_frames() throws Exception {
        Subscription download = SubscriptionRequest.parse(Map.of("downloadId", List.of("d1")), ADMIN).subscription();
        assertThat(download.owner()).isNull(); // an admin follows anyone's download
        assertThat(download.matches(annDownload)).isTrue();
        assertThat(download.matches(annNotification)).isFalse();

        Subscription everyFailure = SubscriptionRequest.parse(Map.of("types", List.of("ImageFetchStarted")), ADMIN).subscription();
        assertThat(everyFailure.matches(annDownload)).isTrue();
        assertThat(everyFailure.matches(annNotification)).isFalse();
        // Notification frame types are not event types of the download stream.
        assertThatThrownBy(() -> SubscriptionRequest.parse(Map.of("types", List.of("Notification")), ADMIN))
                .isInstanceOfSatisfying(SubscriptionRequest.Refusal.class, refusal -> {
                    assertThat(refusal.code).isEqualTo(SubscriptionRequest.CLOSE_BAD_REQUEST);
                    assertThat(refusal.getMessage()).isEqualTo("types: unknown event type Notification");
                });
    }

    @Test
    void other_scopes_and_more_than_one_choice_are_refused_with_4400() {
        assertThatThrownBy(() -> SubscriptionRequest.parse(Map.of("scope", List.of("theirs")), ANN))
                .isInstanceOfSatisfying(SubscriptionRequest.Refusal.class, refusal -> {
                    assertThat(refusal.code).isEqualTo(4400);
                    assertThat(refusal.getMessage()).isEqualTo("scope: scope=mine or scope=notifications");
                });
        assertThatThrownBy(() -> SubscriptionRequest.parse(Map.of("scope", List.of("notifications"), "downloadId", List.of("d1")), ANN))
                .isInstanceOfSatisfying(SubscriptionRequest.Refusal.class, refusal -> assertThat(refusal.code).isEqualTo(4400));
        assertThatThrownBy(() -> SubscriptionRequest.parse(Map.of("scope", List.of("notifications", "mine")), ANN))
                .isInstanceOfSatisfying(SubscriptionRequest.Refusal.class, refusal -> assertThat(refusal.code).isEqualTo(4400));
    }

    private static FeedEntry entry(long position, String type, String downloadId, String owner) {
        return new FeedEntry(position, type, downloadId, owner, Instant.now(), false, "{\"type\":\"" + type + "\"}");
    }
}
