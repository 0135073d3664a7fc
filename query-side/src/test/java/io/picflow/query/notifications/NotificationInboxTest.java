package io.picflow.query.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.events.MetadataKeys;
import io.picflow.events.downloads.ImageDownloadRequested;
import io.picflow.events.notifications.AllNotificationsRead;
import io.picflow.events.notifications.NotificationCreated;
import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import io.picflow.events.notifications.NotificationPreferencesChanged;
import io.picflow.events.notifications.NotificationRead;
import io.picflow.events.users.UserErased;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The notifications read model on the real event store and PostgreSQL: the inbox projection (idempotent creation,
 * reads, read-all up to a time, preferences, erasure), {@code GET /api/users/me/notifications} and
 * {@code .../notification-preferences}, the live frames of {@code /ws?scope=notifications} (and their absence from
 * {@code scope=mine}), and the retention of read notifications.
 */
class NotificationInboxTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NotificationInboxRetention.Runner retention;

    @Autowired
    MeterRegistry meters;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, Long> sequences = new ConcurrentHashMap<>();
    /** Millisecond precision, as the event store keeps timestamps. */
    private final Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofHours(1));

    @Test
    void the_inbox_lists_notifications_newest_first_with_texts_from_the_actors_names_and_counts_what_is_unread() {
        String ann = "ann-" + run;
        String bob = register("bob-" + run, "Bob");
        String nobody = "nobody-" + run; // never registered: the query side has no name for them
        String n1 = created(ann, "FAVORITED", "NORMAL", bob, "user", bob, 1, t);
        String n2 = created(ann, "MUTUAL_FAVORITE", "HIGH", bob, "user", bob, 1, t.plusSeconds(1));
        String n3 = created(ann, "IMAGE_FAVORITED", "LOW", null, "image", "img-" + run, 3, t.plusSeconds(2));
        String n4 = created(ann, "IMAGE_FAVORITED", "LOW", null, "image", "img-" + run, 1, t.plusSeconds(3));
        String n5 = created(ann, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl-" + run, 1, t.plusSeconds(4));
        String n6 = created(ann, "DOWNLOAD_FAILED", "NORMAL", null, "download", "dl2-" + run, 1, t.plusSeconds(5));
        String n7 = created(ann, "FAVORITED", "NORMAL", nobody, "user", nobody, 1, t.plusSeconds(6));
        read(n5, ann, t.plusSeconds(10));
        awaitAllAtHead();

        JsonNode inbox = inbox(ann, "");
        assertThat(ids(inbox)).containsExactly(n7, n6, n5, n4, n3, n2, n1);
        assertThat(texts(inbox)).containsExactly("Someone favorited you", "Your download failed", "Your download completed",
                "Your image got a new favorite", "Your image got 3 new favorites", "You and Bob now favorite each other",
                "Bob favorited you");
        assertThat(inbox.get("page").asInt()).isZero();
        assertThat(inbox.get("size").asInt()).isEqualTo(20);
        assertThat(inbox.get("total").asLong()).isEqualTo(7);
        assertThat(inbox.get("unread").asLong()).isEqualTo(6);
        // Every field is there, null or not.
        assertThat(inbox.get("items").get(6)).isEqualTo(json.readTree("""
                {"notificationId": "%s", "trigger": "FAVORITED", "priority": "NORMAL", "createdAt": "%s", "readAt": null,
                 "actor": {"userId": "%s", "displayName": "Bob"}, "subject": {"type": "user", "id": "%s"}, "text": "Bob favorited you"}
                """.formatted(n1, t, bob, bob)));
        assertThat(inbox.get("items").get(0).get("actor")).isEqualTo(json.readTree("{\"userId\": \"" + nobody + "\", \"displayName\": null}"));
        assertThat(inbox.get("items").get(3).get("actor").isNull()).isTrue();
        assertThat(inbox.get("items").get(2).get("readAt").asString()).isEqualTo(t.plusSeconds(10).toString());

        JsonNode unread = inbox(ann, "?unread=true");
        assertThat(ids(unread)).containsExactly(n7, n6, n4, n3, n2, n1);
        assertThat(unread.get("total").asLong()).isEqualTo(6);
        assertThat(unread.get("unread").asLong()).isEqualTo(6);
        assertThat(ids(inbox(ann, "?unread=false"))).hasSize(7);

        JsonNode secondPage = inbox(ann, "?page=1&size=2");
        assertThat(ids(secondPage)).containsExactly(n5, n4);
        assertThat(secondPage.get("page").asInt()).isEqualTo(1);
        assertThat(secondPage.get("size").asInt()).isEqualTo(2);
        assertThat(secondPage.get("total").asLong()).isEqualTo(7);
        assertThat(ids(inbox(ann, "?page=4&size=2"))).isEmpty();

        // Only the caller's own.
        JsonNode bobs = inbox(bob, "");
        assertThat(bobs.get("total").asLong()).isZero();
        assertThat(bobs.get("unread").asLong()).isZero();
    }

    @Test
    void bad_paging_and_filter_values_are_400_problems() {
        for (String query : List.of("?page=-1", "?size=0", "?size=101", "?unread=maybe", "?page=x")) {
            HttpResponse<String> response = api().get("/api/users/me/notifications" + query, TestTokens.user("ann-" + run));
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(query).hasValueSatisfying(type ->
                    assertThat(type).startsWith("application/problem+json"));
            assertThat(json.readTree(response.body()).get("detail").asString()).as(query).isNotBlank();
        }
        assertThat(api().get("/api/users/me/notifications", null).statusCode()).isEqualTo(401);
        assertThat(api().get("/api/users/me/notification-preferences", null).statusCode()).isEqualTo(401);
    }

    @Test
    void creating_twice_keeps_the_first_a_read_keeps_its_first_time_and_read_all_stops_at_up_to() {
        String cy = "cy-" + run;
        String n1 = created(cy, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl-" + run, 1, t);
        // The same notification again (a replayed source event): nothing changes.
        publish("Notification", n1, new NotificationCreated(n1, cy, "DOWNLOAD_FAILED", "NORMAL", null, "download", "other", 7, "again", true),
                t.plusSeconds(1));
        read(n1, cy, t.plusSeconds(2));
        read(n1, cy, t.plusSeconds(3)); // read on a second device: the first time stays
        String n2 = created(cy, "FAVORITED", "NORMAL", "x-" + run, "user", "x-" + run, 1, t.plusSeconds(4));
        String n3 = created(cy, "MUTUAL_FAVORITE", "HIGH", "x-" + run, "user", "x-" + run, 1, t.plusSeconds(5));
        String n4 = created(cy, "DOWNLOAD_FAILED", "NORMAL", null, "download", "dl3-" + run, 1, t.plusSeconds(7));
        // With in-app off for its trigger, a notification (sent by email, say) is not in the inbox.
        String hidden = "notif-" + UUID.randomUUID();
        publish("Notification", hidden, new NotificationCreated(hidden, cy, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl4-" + run,
                1, UUID.randomUUID().toString(), false), t.plusSeconds(6));
        publish("NotificationSettings", "notifset-" + cy, new AllNotificationsRead(cy, t.plusSeconds(5)), t.plusSeconds(8));
        awaitAllAtHead();

        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE notification_id = :id").param("id", n1).query(Long.class).single())
                .isEqualTo(1);
        assertThat(jdbc.sql("SELECT trigger || ' ' || subject_id || ' ' || count FROM notification WHERE notification_id = :id")
                .param("id", n1).query(String.class).single()).isEqualTo("DOWNLOAD_COMPLETED dl-" + run + " 1");
        assertThat(readAt(n1)).contains(t.plusSeconds(2));
        assertThat(readAt(n2)).contains(t.plusSeconds(8));
        assertThat(readAt(n3)).contains(t.plusSeconds(8));
        assertThat(readAt(n4)).isEmpty(); // created after upTo
        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE notification_id = :id").param("id", hidden).query(Long.class)
                .single()).isZero();
        JsonNode inbox = inbox(cy, "");
        assertThat(inbox.get("total").asLong()).isEqualTo(4);
        assertThat(inbox.get("unread").asLong()).isEqualTo(1);
        assertThat(ids(inbox(cy, "?unread=true"))).containsExactly(n4);
    }

    @Test
    void preferences_are_the_defaults_until_changed_and_then_the_last_document_set() {
        String dee = "dee-" + run;
        JsonNode defaults = json.readTree(api().get("/api/users/me/notification-preferences", TestTokens.user(dee)).body());
        assertThat(defaults).isEqualTo(json.readTree(DefaultPreferencesTest.DEFAULTS_WITH_IN_APP_AND_EMAIL));

        publish("NotificationSettings", "notifset-" + dee, new NotificationPreferencesChanged(dee, preferences("Europe/Berlin", false)),
                t);
        publish("NotificationSettings", "notifset-" + dee, new NotificationPreferencesChanged(dee, preferences("Asia/Tokyo", true)),
                t.plusSeconds(1));
        awaitAllAtHead();

        HttpResponse<String> response = api().get("/api/users/me/notification-preferences", TestTokens.user(dee));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode document = json.readTree(response.body());
        assertThat(document.get("timeZone").asString()).isEqualTo("Asia/Tokyo");
        assertThat(document.get("quietHours")).isEqualTo(json.readTree("{\"start\":\"22:00\",\"end\":\"07:00\",\"allowHighPriority\":true}"));
        assertThat(document.get("channels")).isEqualTo(json.readTree("""
                {"in_app": {"enabled": true, "available": true},
                 "email": {"enabled": false, "available": true, "digest": "daily", "digestAt": "07:30"},
                 "sms": {"enabled": true, "available": false, "digest": "off", "digestAt": "08:00"},
                 "push": {"enabled": true, "available": false, "digest": "hourly", "digestAt": "09:00"}}
                """));
        assertThat(document.get("triggers").get("DOWNLOAD_COMPLETED").get("push").asBoolean()).isTrue();
        assertThat(jdbc.sql("SELECT count(*) FROM notification_preference_view WHERE user_id = :user").param("user", dee)
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void the_live_feed_sends_notification_frames_to_scope_notifications_only_and_catches_them_up_after_a_position() {
        String eve = "eve-" + run;
        String fay = register("fay-" + run, "Fay");
        String token = TestTokens.user(eve);
        long start;
        try (SocketClient notifications = SocketClient.connect(port, "/ws?scope=notifications&access_token=" + token);
                SocketClient mine = SocketClient.connect(port, "/ws?scope=mine&access_token=" + token)) {
            // No current state for notifications: CaughtUp is the whole initial part.
            JsonNode caughtUp = json.readTree(notifications.next(WAIT).text());
            assertThat(caughtUp.get("type").asString()).isEqualTo("CaughtUp");
            start = caughtUp.get("position").asLong();
            List<JsonNode> mineInitial = frames(mine.until(text -> text.contains("CaughtUp"), WAIT));
            assertThat(mineInitial).extracting(f -> f.get("type").asString()).containsExactly("CaughtUp"); // eve has no downloads yet

            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            String n1 = created(eve, "MUTUAL_FAVORITE", "HIGH", fay, "user", fay, 1, at);
            JsonNode frame = json.readTree(notifications.next(WAIT).text());
            assertThat(frame.get("position").asLong()).isGreaterThan(start);
            assertThat(frame.get("type").asString()).isEqualTo("Notification");
            assertThat(frame.get("timestamp").asString()).isEqualTo(at.toString());
            assertThat(frame.get("correlationId").asString()).isEqualTo("corr-" + n1);
            assertThat(frame.get("text").asString()).isEqualTo("You and Fay now favorite each other");
            // The rest is exactly the inbox's item.
            awaitAllAtHead();
            ObjectNode item = ((ObjectNode) frame.deepCopy()).remove(List.of("position", "type", "timestamp", "correlationId"));
            assertThat(item).isEqualTo(inbox(eve, "").get("items").get(0));
            assertThat(item.propertyNames()).containsExactly("notificationId", "trigger", "priority", "createdAt", "readAt", "actor",
                    "subject", "text");

            read(n1, eve, at.plusSeconds(1));
            JsonNode read = json.readTree(notifications.next(WAIT).text());
            assertThat(read.get("type").asString()).isEqualTo("NotificationRead");
            assertThat(read.get("notificationId").asString()).isEqualTo(n1);
            assertThat(read.get("timestamp").asString()).isEqualTo(at.plusSeconds(1).toString());
            assertThat(read.has("downloadId")).isFalse();
            publish("NotificationSettings", "notifset-" + eve, new AllNotificationsRead(eve, at.plusSeconds(1)), at.plusSeconds(2));
            JsonNode allRead = json.readTree(notifications.next(WAIT).text());
            assertThat(allRead.get("type").asString()).isEqualTo("AllNotificationsRead");
            assertThat(allRead.get("upTo").asString()).isEqualTo(at.plusSeconds(1).toString());
            long lastNotification = allRead.get("position").asLong();

            // The user's download: scope=mine gets it and none of the notification frames before it (frames come in order).
            String download = requestDownload(eve);
            List<JsonNode> mineFrames = frames(mine.until(text -> text.contains(download), WAIT));
            assertThat(mineFrames).extracting(f -> f.get("type").asString()).containsExactly("ImageDownloadRequested");
            assertThat(mineFrames.get(0).get("position").asLong()).isGreaterThan(lastNotification);
            // ... and scope=notifications does not get the download: the next notification is the next frame it gets.
            String n2 = created(eve, "DOWNLOAD_FAILED", "NORMAL", null, "download", download, 1, at.plusSeconds(3));
            assertThat(json.readTree(notifications.next(WAIT).text()).get("notificationId").asString()).isEqualTo(n2);
        }

        // Resuming after a position: the notification frames since, then CaughtUp; scope=mine from there only its download.
        try (SocketClient resumed = SocketClient.connect(port, "/ws?scope=notifications&after=" + start + "&access_token=" + token);
                SocketClient mineResumed = SocketClient.connect(port, "/ws?scope=mine&after=" + start + "&access_token=" + token)) {
            assertThat(frames(resumed.until(text -> text.contains("CaughtUp"), WAIT))).extracting(f -> f.get("type").asString())
                    .containsExactly("Notification", "NotificationRead", "AllNotificationsRead", "Notification", "CaughtUp");
            assertThat(frames(mineResumed.until(text -> text.contains("CaughtUp"), WAIT))).extracting(f -> f.get("type").asString())
                    .containsExactly("ImageDownloadRequested", "CaughtUp");
        }
        // Without after=, scope=notifications shows nothing but CaughtUp (the inbox is the current state).
        try (SocketClient fresh = SocketClient.connect(port, "/ws?scope=notifications&access_token=" + token)) {
            assertThat(json.readTree(fresh.next(WAIT).text()).get("type").asString()).isEqualTo("CaughtUp");
        }
    }

    @Test
    void an_erased_user_s_inbox_and_preferences_go_and_other_inboxes_and_frames_no_longer_name_them() {
        String gus = "gus-" + run;
        String hal = register("hal-" + run, "Hal Secretname");
        String toGus = created(gus, "FAVORITED", "NORMAL", hal, "user", hal, 1, t);
        String toHal = created(hal, "FAVORITED", "NORMAL", gus, "user", gus, 1, t.plusSeconds(1));
        publish("NotificationSettings", "notifset-" + hal, new NotificationPreferencesChanged(hal, preferences("UTC", false)),
                t.plusSeconds(2));
        awaitAllAtHead();
        assertThat(inbox(gus, "").get("items").get(0).get("text").asString()).isEqualTo("Hal Secretname favorited you");
        long framePosition = jdbc.sql("SELECT position FROM live_feed WHERE owner = :owner AND event_type = 'Notification'")
                .param("owner", gus).query(Long.class).single();

        erase(hal);
        // Late events about them write nothing about them.
        String lateToGus = created(gus, "MUTUAL_FAVORITE", "HIGH", hal, "user", hal, 1, t.plusSeconds(3));
        String lateToHal = created(hal, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl-" + run, 1, t.plusSeconds(4));
        publish("NotificationSettings", "notifset-" + hal, new NotificationPreferencesChanged(hal, preferences("UTC", true)),
                t.plusSeconds(5));
        awaitAllAtHead();

        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE recipient_id = :user OR actor_id = :user OR subject_id = :user")
                .param("user", hal).query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE notification_id IN (:ids)").param("ids", List.of(toHal, lateToHal))
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM notification_preference_view WHERE user_id = :user").param("user", hal)
                .query(Long.class).single()).isZero();
        JsonNode inbox = inbox(gus, "");
        assertThat(ids(inbox)).containsExactly(lateToGus, toGus);
        assertThat(texts(inbox)).containsExactly("You and Someone now favorite each other", "Someone favorited you");
        for (JsonNode item : inbox.get("items")) {
            assertThat(item.get("actor").isNull()).isTrue();
            assertThat(item.get("subject")).isEqualTo(json.readTree("{\"type\": \"user\", \"id\": null}"));
        }

        // The live feed: the recipient's frames before the erasure are rewritten, the later one never named them.
        try (SocketClient socket = SocketClient.connect(port, "/ws?scope=notifications&after=" + (framePosition - 1)
                + "&access_token=" + TestTokens.user(gus))) {
            List<JsonNode> frames = frames(socket.until(text -> text.contains("CaughtUp"), WAIT));
            assertThat(frames).extracting(f -> f.get("type").asString()).containsExactly("Notification", "Notification", "CaughtUp");
            assertThat(frames.get(0).get("notificationId").asString()).isEqualTo(toGus);
            assertThat(frames.get(0).get("text").asString()).isEqualTo("Someone favorited you");
            assertThat(frames.get(1).get("text").asString()).isEqualTo("You and Someone now favorite each other");
            for (JsonNode frame : frames.subList(0, 2)) {
                assertThat(frame.get("actor").isNull()).isTrue();
                assertThat(frame.get("subject").get("id").isNull()).isTrue();
                assertThat(frame.toString()).doesNotContain(hal).doesNotContain("Secretname");
            }
        }
        assertThat(jdbc.sql("SELECT count(*) FROM live_feed WHERE owner = :user OR frame LIKE :named").param("user", hal)
                .param("named", "%" + hal + "%").query(Long.class).single()).isZero();
    }

    @Test
    void read_notifications_older_than_the_retention_are_removed_and_unread_ones_stay() {
        String ida = "ida-" + run;
        String readLongAgo = created(ida, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl1-" + run, 1, t);
        String unreadLongAgo = created(ida, "DOWNLOAD_FAILED", "NORMAL", null, "download", "dl2-" + run, 1, t.plusSeconds(1));
        String readRecently = created(ida, "DOWNLOAD_COMPLETED", "LOW", null, "download", "dl3-" + run, 1, t.plusSeconds(2));
        read(readLongAgo, ida, t.plusSeconds(3));
        read(readRecently, ida, t.plusSeconds(4));
        awaitAllAtHead();
        // Created and read a while ago, as far as the inbox can tell.
        jdbc.sql("UPDATE notification SET created_at = now() - interval '200 days', read_at = now() - interval '91 days' "
                + "WHERE notification_id = :id").param("id", readLongAgo).update();
        jdbc.sql("UPDATE notification SET created_at = now() - interval '200 days' WHERE notification_id = :id")
                .param("id", unreadLongAgo).update();
        double before = removedCount();

        int removed = retention.run();

        assertThat(ids(inbox(ida, ""))).containsExactly(readRecently, unreadLongAgo);
        assertThat(removedCount() - before).isEqualTo(removed);
        assertThat(jdbc.sql("SELECT count(*) FROM query_scheduled_tasks WHERE task_name = 'notification-read-retention'")
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void the_inbox_rebuilt_from_the_first_event_is_the_one_built_as_the_events_came() {
        String jo = "jo-" + run;
        String kim = register("kim-" + run, "Kim");
        String lee = register("lee-" + run, "Lee");
        String first = created(jo, "FAVORITED", "NORMAL", kim, "user", kim, 1, t);
        created(jo, "MUTUAL_FAVORITE", "HIGH", lee, "user", lee, 1, t.plusSeconds(1));
        created(jo, "DOWNLOAD_FAILED", "NORMAL", null, "download", "dl-" + run, 1, t.plusSeconds(2));
        read(first, jo, t.plusSeconds(3));
        publish("NotificationSettings", "notifset-" + jo, new AllNotificationsRead(jo, t.plusSeconds(1)), t.plusSeconds(4));
        publish("NotificationSettings", "notifset-" + jo, new NotificationPreferencesChanged(jo, preferences("Europe/Paris", true)),
                t.plusSeconds(5));
        erase(lee);
        awaitAllAtHead();
        List<String> built = dump(jo);
        assertThat(built).hasSize(4).anyMatch(row -> row.contains("Europe/Paris")).noneMatch(row -> row.contains(lee));

        jdbc.sql("UPDATE notification SET read_at = NULL, actor_id = 'tampered' WHERE recipient_id = :user").param("user", jo).update();
        jdbc.sql("DELETE FROM notification_preference_view WHERE user_id = :user").param("user", jo).update();
        assertThat(dump(jo)).isNotEqualTo(built);

        String rebuild = json.readTree(api().send("POST", "/api/admin/projections/notification-inbox/rebuild", TestTokens.admin("ops"),
                HttpRequest.BodyPublishers.noBody()).body()).get("rebuildId").asString();
        await().atMost(Duration.ofSeconds(120)).until(() -> !rebuildState(rebuild).equals("RUNNING"));
        assertThat(rebuildState(rebuild)).isEqualTo("COMPLETED");
        awaitAllAtHead();

        assertThat(dump(jo)).isEqualTo(built);
    }

    // --- events

    private String created(String recipient, String trigger, String priority, String actor, String subjectType, String subjectId,
            int count, Instant at) {
        String id = "notif-" + UUID.randomUUID();
        publish("Notification", id, new NotificationCreated(id, recipient, trigger, priority, actor, subjectType, subjectId, count,
                UUID.randomUUID().toString(), true), at);
        return id;
    }

    private void read(String notificationId, String recipient, Instant at) {
        publish("Notification", notificationId, new NotificationRead(notificationId, recipient), at);
    }

    private String register(String userId, String displayName) {
        publish("User", "user-" + userId, new UserRegistered(userId, seal(userId, displayName)), t.minusSeconds(60));
        awaitAllAtHead();
        return userId;
    }

    /** As the command side erases: the record first, then UserErased. */
    private void erase(String userId) {
        jdbc.sql("INSERT INTO erased_user (user_id, correlation_id) VALUES (:user, 'test')").param("user", userId).update();
        publish("User", "user-" + userId, new UserErased(userId), Instant.now());
    }

    private String requestDownload(String user) {
        String id = UUID.randomUUID().toString();
        publish("ImageDownload", id, new ImageDownloadRequested(id, "https://example.com/" + id + ".png", "f.png", List.of(), user),
                Instant.now());
        return id;
    }

    private void publish(String type, String aggregateId, Object payload, Instant at) {
        long sequence = sequences.merge(aggregateId, 0L, (last, ignored) -> last + 1);
        eventStore.publish(new GenericDomainEventMessage<>(type, aggregateId, sequence, payload,
                Map.of(MetadataKeys.CORRELATION_ID, "corr-" + aggregateId), UUID.randomUUID().toString(), at));
    }

    private static NotificationPreferences preferences(String timeZone, boolean pushDownloads) {
        Map<String, Channel> channels = new LinkedHashMap<>();
        channels.put("in_app", new Channel(true, null, null));
        channels.put("email", new Channel(false, "daily", "07:30"));
        channels.put("sms", new Channel(true, "off", "08:00"));
        channels.put("push", new Channel(true, "hourly", "09:00"));
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>(DefaultPreferences.get().triggers());
        triggers.put("DOWNLOAD_COMPLETED", Map.of("in_app", true, "email", false, "sms", false, "push", pushDownloads));
        return new NotificationPreferences(timeZone, pushDownloads ? new QuietHours("22:00", "07:00", true) : null, channels, triggers);
    }

    // --- reading

    private JsonNode inbox(String user, String query) {
        HttpResponse<String> response = api().get("/api/users/me/notifications" + query, TestTokens.user(user));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static List<String> ids(JsonNode page) {
        return page.get("items").valueStream().map(item -> item.get("notificationId").asString()).toList();
    }

    private static List<String> texts(JsonNode page) {
        return page.get("items").valueStream().map(item -> item.get("text").asString()).toList();
    }

    private Optional<Instant> readAt(String notificationId) {
        return jdbc.sql("SELECT read_at FROM notification WHERE notification_id = :id").param("id", notificationId)
                .query((rs, row) -> Optional.ofNullable(rs.getObject(1, OffsetDateTime.class)).map(OffsetDateTime::toInstant))
                .single();
    }

    /** The user's rows of the read model, as text. */
    private List<String> dump(String user) {
        List<String> rows = new ArrayList<>(jdbc.sql("SELECT row_to_json(n)::text FROM notification n WHERE recipient_id = :user "
                + "ORDER BY notification_id").param("user", user).query(String.class).list());
        rows.addAll(jdbc.sql("SELECT row_to_json(p)::text FROM notification_preference_view p WHERE user_id = :user").param("user", user)
                .query(String.class).list());
        return rows;
    }

    private String rebuildState(String rebuildId) {
        HttpResponse<String> response = api().get("/api/admin/projections/notification-inbox/rebuild/" + rebuildId, TestTokens.admin("ops"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("state").asString();
    }

    private static List<JsonNode> frames(List<SocketClient.Frame> frames) {
        return frames.stream().map(frame -> json.readTree(frame.text())).toList();
    }

    private double removedCount() {
        Counter counter = meters.find("picflow.retention.removed").tag("item", "notification").counter();
        return counter == null ? 0 : counter.count();
    }
}
