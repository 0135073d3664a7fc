package io.picflow.query.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The English sentences of the five triggers, as the inbox and the live frames show them. */
class NotificationTextsTest {

    @Test
    void each_trigger_has_its_sentence_naming_the_actor_where_there_is_one() {
        assertThat(NotificationTexts.text("FAVORITED", 1, "Alice")).isEqualTo("Alice favorited you");
        assertThat(NotificationTexts.text("MUTUAL_FAVORITE", 1, "Alice")).isEqualTo("You and Alice now favorite each other");
        assertThat(NotificationTexts.text("IMAGE_FAVORITED", 3, null)).isEqualTo("Your image got 3 new favorites");
        assertThat(NotificationTexts.text("IMAGE_FAVORITED", 1, null)).isEqualTo("Your image got a new favorite");
        assertThat(NotificationTexts.text("DOWNLOAD_COMPLETED", 1, null)).isEqualTo("Your download completed");
        assertThat(NotificationTexts.text("DOWNLOAD_FAILED", 1, null)).isEqualTo("Your download failed");
    }

    @Test
    void an_erased_or_unknown_actor_is_someone() {
        assertThat(NotificationTexts.text("FAVORITED", 1, null)).isEqualTo("Someone favorited you");
        assertThat(NotificationTexts.text("MUTUAL_FAVORITE", 1, null)).isEqualTo("You and Someone now favorite each other");
        assertThat(NotificationTexts.text("FAVORITED", 1, " ")).isEqualTo("Someone favorited you");
    }

    @Test
    void only_the_favorite_texts_name_the_actor() {
        assertThat(NotificationTexts.namesActor("FAVORITED")).isTrue();
        assertThat(NotificationTexts.namesActor("MUTUAL_FAVORITE")).isTrue();
        assertThat(NotificationTexts.namesActor("IMAGE_FAVORITED")).isFalse();
        assertThat(NotificationTexts.namesActor("DOWNLOAD_COMPLETED")).isFalse();
        assertThat(NotificationTexts.namesActor("DOWNLOAD_FAILED")).isFalse();
    }

    @Test
    void an_item_renders_its_text_from_its_trigger_count_and_actor() {
        NotificationItem item = NotificationItem.of("n1", "FAVORITED", "NORMAL", Instant.EPOCH, null, "alice", "Alice",
                "user", "alice", 1);
        assertThat(item.text()).isEqualTo("Alice favorited you");
        assertThat(item.actor()).isEqualTo(new NotificationItem.Actor("alice", "Alice"));
        // Not projected yet: the id, no name, and "Someone".
        assertThat(NotificationItem.of("n1", "FAVORITED", "NORMAL", Instant.EPOCH, null, "alice", null, "user", "alice", 1).text())
                .isEqualTo("Someone favorited you");
        NotificationItem folded = NotificationItem.of("n2", "IMAGE_FAVORITED", "LOW", Instant.EPOCH, null, null, null,
                "image", "img", 5);
        assertThat(folded.actor()).isNull();
        assertThat(folded.subject()).isEqualTo(new NotificationItem.Subject("image", "img"));
        assertThat(folded.text()).isEqualTo("Your image got 5 new favorites");
    }
}
