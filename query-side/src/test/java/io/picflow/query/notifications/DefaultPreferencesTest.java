package io.picflow.query.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.events.notifications.NotificationPreferences;
import io.picflow.events.notifications.NotificationPreferences.Channel;
import io.picflow.events.notifications.NotificationPreferences.QuietHours;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The default preferences, and the preferences document as GET answers it: with each channel's availability. */
class DefaultPreferencesTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    static final String DEFAULTS_WITH_IN_APP_AND_EMAIL = """
            {"timeZone": "UTC", "quietHours": null,
             "channels": {"in_app": {"enabled": true, "available": true},
                          "email": {"enabled": true, "available": true, "digest": "off", "digestAt": "08:00"},
                          "sms": {"enabled": true, "available": false, "digest": "off", "digestAt": "08:00"},
                          "push": {"enabled": true, "available": false, "digest": "off", "digestAt": "08:00"}},
             "triggers": {"FAVORITED": {"in_app": true, "email": false, "sms": false, "push": false},
                          "MUTUAL_FAVORITE": {"in_app": true, "email": true, "sms": false, "push": false},
                          "IMAGE_FAVORITED": {"in_app": true, "email": false, "sms": false, "push": false},
                          "DOWNLOAD_COMPLETED": {"in_app": true, "email": false, "sms": false, "push": false},
                          "DOWNLOAD_FAILED": {"in_app": true, "email": true, "sms": false, "push": false}}}
            """;

    @Test
    void the_defaults_send_in_app_for_every_trigger_and_email_for_mutual_favorites_and_failed_downloads() {
        NotificationPreferences defaults = DefaultPreferences.get();

        assertThat(defaults.timeZone()).isEqualTo("UTC");
        assertThat(defaults.quietHours()).isNull();
        assertThat(defaults.channels()).containsOnlyKeys(DefaultPreferences.CHANNELS);
        assertThat(defaults.channels().get("in_app")).isEqualTo(new Channel(true, null, null));
        for (String channel : List.of("email", "sms", "push")) {
            assertThat(defaults.channels().get(channel)).isEqualTo(new Channel(true, "off", "08:00"));
        }
        assertThat(defaults.triggers()).containsOnlyKeys(DefaultPreferences.TRIGGERS);
        defaults.triggers().forEach((trigger, perChannel) -> {
            assertThat(perChannel).as(trigger).containsEntry("in_app", true).containsEntry("sms", false).containsEntry("push", false)
                    .containsEntry("email", trigger.equals("MUTUAL_FAVORITE") || trigger.equals("DOWNLOAD_FAILED"));
        });
    }

    @Test
    void the_defaults_document_says_which_channels_are_available_in_the_documented_shape() {
        JsonNode rendered = new PreferencesView(json, Set.of("in_app", "email")).render(DefaultPreferences.get());

        assertThat(rendered).isEqualTo(json.readTree(DEFAULTS_WITH_IN_APP_AND_EMAIL));
        // In the order of the documents: channels and triggers as PUT lists them, the flags after "enabled".
        assertThat(rendered.propertyNames()).containsExactly("timeZone", "quietHours", "channels", "triggers");
        assertThat(rendered.get("channels").propertyNames()).containsExactly("in_app", "email", "sms", "push");
        assertThat(rendered.get("channels").get("email").propertyNames()).containsExactly("enabled", "available", "digest", "digestAt");
        assertThat(rendered.get("triggers").propertyNames()).containsExactlyElementsOf(DefaultPreferences.TRIGGERS);
    }

    @Test
    void a_stored_document_is_shown_as_set_with_quiet_hours_and_the_availability_of_this_installation() {
        Map<String, Channel> channels = new LinkedHashMap<>();
        channels.put("in_app", new Channel(false, null, null));
        channels.put("email", new Channel(true, "daily", "07:30"));
        channels.put("sms", new Channel(false, "off", "08:00"));
        channels.put("push", new Channel(true, "hourly", "08:00"));
        Map<String, Map<String, Boolean>> triggers = new LinkedHashMap<>(DefaultPreferences.get().triggers());
        triggers.put("FAVORITED", Map.of("in_app", false, "email", true, "sms", false, "push", true));
        NotificationPreferences stored = new NotificationPreferences("Europe/Berlin", new QuietHours("22:00", "07:00", true), channels,
                triggers);

        JsonNode rendered = new PreferencesView(json, Set.of("in_app", "push")).render(stored);

        assertThat(rendered.get("timeZone").asString()).isEqualTo("Europe/Berlin");
        assertThat(rendered.get("quietHours")).isEqualTo(json.readTree("{\"start\":\"22:00\",\"end\":\"07:00\",\"allowHighPriority\":true}"));
        assertThat(rendered.get("channels")).isEqualTo(json.readTree("""
                {"in_app": {"enabled": false, "available": true},
                 "email": {"enabled": true, "available": false, "digest": "daily", "digestAt": "07:30"},
                 "sms": {"enabled": false, "available": false, "digest": "off", "digestAt": "08:00"},
                 "push": {"enabled": true, "available": true, "digest": "hourly", "digestAt": "08:00"}}
                """));
        assertThat(rendered.get("triggers").get("FAVORITED"))
                .isEqualTo(json.readTree("{\"in_app\": false, \"email\": true, \"sms\": false, \"push\": true}"));
    }
}
