package io.picflow.command.notifications;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * What a notification delivery says, whatever the channel: a subject and its lines, for one notification or for a
 * digest's items. Worded at send time ({@link NotificationTexts}: an actor erased meanwhile is "Someone", times in the
 * recipient's zone as it is now). Email lays a letter out as a mail, SMS as a short text.
 */
@Component
class NotificationLetters {

    /** A letter: its subject, its lines, and what an unsubscribe from it turns off (a trigger, or the digest). */
    record Letter(String subject, List<String> lines, String unsubscribeFrom) {
    }

    private final NotificationTexts texts;
    private final PreferencesStore preferences;
    private final JdbcClient jdbc;

    NotificationLetters(NotificationTexts texts, PreferencesStore preferences, JdbcClient jdbc) {
        this.texts = texts;
        this.preferences = preferences;
        this.jdbc = jdbc;
    }

    /** A {@code notification} delivery's payload (userId, trigger, actorId, createdAt). */
    Letter notification(JsonNode payload) {
        String userId = payload.get("userId").asString();
        Trigger trigger = Trigger.valueOf(payload.get("trigger").asString());
        String actorId = payload.hasNonNull("actorId") ? payload.get("actorId").asString() : null;
        return new Letter(texts.subject(trigger, actorId),
                List.of(texts.line(trigger, actorId, Instant.parse(payload.get("createdAt").asString()), timing(userId))),
                trigger.name());
    }

    /** The digest delivered by {@code deliveryId}, with every item collected for it; empty if there is none. */
    Optional<Letter> digest(String deliveryId, String userId) {
        DeliveryTiming timing = timing(userId);
        List<String> lines = jdbc.sql("SELECT trigger, actor_id, created_at FROM notification_digest_item "
                        + "WHERE delivery_id = :id ORDER BY created_at")
                .param("id", deliveryId)
                .query((row, i) -> texts.line(Trigger.valueOf(row.getString(1)), row.getString(2), row.getTimestamp(3).toInstant(), timing))
                .list();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Letter("Your picflow digest: " + lines.size() + (lines.size() == 1 ? " notification" : " notifications"),
                lines, UnsubscribeTokens.DIGEST));
    }

    private DeliveryTiming timing(String userId) {
        return new DeliveryTiming(preferences.of(userId));
    }
}
