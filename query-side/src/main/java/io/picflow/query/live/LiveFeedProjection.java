package io.picflow.query.live;

import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.DownloadEvent;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.downloads.ImageFetchProgressed;
import io.picflow.events.notifications.AllNotificationsRead;
import io.picflow.events.notifications.NotificationCreated;
import io.picflow.events.notifications.NotificationRead;
import io.picflow.events.users.UserErased;
import io.picflow.platform.wakeups.WakeUpChannels;
import io.picflow.platform.wakeups.WakeUpNotifier;
import io.picflow.query.downloads.DownloadChanges;
import io.picflow.query.notifications.NotificationInbox;
import java.util.Optional;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the live feed: for each download event, the download's whole state after it, at the next
 * position; for each notification created or read, a frame for its recipient ({@link NotificationFrames}).
 * Runs as its own processing group with one segment; the store's writer lock keeps
 * positions in commit order even if two nodes overlap while the segment changes hands.
 */
@Component
@ProcessingGroup(LiveFeedProjection.PROCESSING_GROUP)
class LiveFeedProjection {

    static final String PROCESSING_GROUP = "live-feed";

    private static final Logger log = LoggerFactory.getLogger(LiveFeedProjection.class);

    private final LiveFeedStore store;
    private final LiveFeed feed;
    private final DownloadFrames frames;
    private final NotificationFrames notificationFrames;
    private final NotificationInbox inbox;
    private final WebSocketTickets tickets;
    private final WakeUpNotifier notifier;

    LiveFeedProjection(LiveFeedStore store, LiveFeed feed, JsonMapper json, WebSocketTickets tickets, WakeUpNotifier notifier,
            NotificationInbox inbox) {
        this.store = store;
        this.notifier = notifier;
        this.feed = feed;
        this.tickets = tickets;
        this.inbox = inbox;
        this.frames = new DownloadFrames(json);
        this.notificationFrames = new NotificationFrames(json);
    }

    @EventHandler
    void on(DownloadEvent event, EventMessage<?> message) {
        store.lockWriter(); // before reading the state the frame builds on, in case two nodes overlap
        Optional<LiveFeedStore.LiveDownload> previous = store.download(event.downloadId());
        ObjectNode frame;
        String owner;
        if (event instanceof ImageDownloadRequested requested) {
            owner = requested.requestedBy();
            frame = frames.requested(requested);
        } else if (previous.isPresent()) {
            owner = previous.get().owner();
            frame = frames.parse(previous.get().frame());
            frames.apply(frame, DownloadChanges.of(event));
        } else {
            // Only for a download requested before this feed existed; its owner is the acting user.
            log.warn("Live feed: {} of download {} without its request; starting from this event",
                    event.getClass().getSimpleName(), event.downloadId());
            owner = String.valueOf(message.getMetaData().getOrDefault(MetadataKeys.USER_ID, "unknown"));
            frame = frames.unknown(event.downloadId());
            frames.apply(frame, DownloadChanges.of(event));
        }
        String type = event.getClass().getSimpleName();
        String text = frames.stamp(frame, type, message.getTimestamp(),
                (String) message.getMetaData().get(MetadataKeys.CORRELATION_ID));
        Optional<Long> position = store.append(message.getIdentifier(), type, event.downloadId(), owner, message.getTimestamp(),
                event instanceof ImageFetchProgressed, text);
        if (position.isPresent()) {
            notifier.changed(WakeUpChannels.LIVE_FEED); // other query nodes' tailers look at once after the commit
        }
        if (event instanceof ImageDownloadCancelled cancelled && cancelled.expired()) {
            // Expired by retention: subscribers see the cancellation, and the download leaves the current state.
            store.forgetDownload(event.downloadId());
        } else {
            position.ifPresent(at -> store.saveDownload(new LiveFeedStore.LiveDownload(event.downloadId(), owner, at, text)));
        }
        afterCommit(feed::wakeUp);
    }

    /**
     * The notification as the recipient's inbox will list it (the actor's display name as the query side knows it now).
     * Not stored anywhere else by this group: the inbox is the notification-inbox group's.
     */
    @EventHandler
    void on(NotificationCreated event, EventMessage<?> message) {
        if (!event.inApp()) {
            return; // not in the inbox, so not live either
        }
        appendNotification(NotificationFrames.CREATED, event.recipientId(),
                notificationFrames.created(inbox.newItem(event, message.getTimestamp())), message);
    }

    @EventHandler
    void on(NotificationRead event, EventMessage<?> message) {
        appendNotification(NotificationFrames.READ, event.recipientId(), notificationFrames.read(event), message);
    }

    @EventHandler
    void on(AllNotificationsRead event, EventMessage<?> message) {
        appendNotification(NotificationFrames.ALL_READ, event.recipientId(), notificationFrames.allRead(event), message);
    }

    private void appendNotification(String type, String recipient, ObjectNode frame, EventMessage<?> message) {
        String text = frames.stamp(frame, type, message.getTimestamp(), (String) message.getMetaData().get(MetadataKeys.CORRELATION_ID));
        Optional<Long> position = store.append(message.getIdentifier(), type, null, recipient, message.getTimestamp(), false, text);
        if (position.isPresent()) {
            notifier.changed(WakeUpChannels.LIVE_FEED);
        }
        afterCommit(feed::wakeUp);
    }

    /**
     * The user's frames and tickets go; their connections to this node close (their feed has nothing more for them).
     * Other users' notification frames that name them as actor or subject are rewritten without them.
     */
    @EventHandler
    void on(UserErased event) {
        store.erase(event.userId());
        for (FeedEntry naming : store.notificationsNaming(event.userId())) {
            String rewritten = notificationFrames.withoutUser(naming.frame(), event.userId());
            if (rewritten != null) {
                store.replaceFrame(naming.position(), rewritten);
            }
        }
        tickets.deleteAllOf(event.userId());
        afterCommit(() -> feed.disconnect(event.userId(), SocketHandshake.CLOSE_USER_ERASED, "User erased"));
    }

    private static void afterCommit(Runnable action) {
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(unitOfWork -> action.run());
        } else {
            action.run();
        }
    }
}
