package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestServices;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the README's notifications walkthrough does, on the embedded run as {@code main} starts it: dev tokens, an
 * address verified with the code read from the embedded mailbox, a mutual favorite that arrives as an email in that
 * mailbox, in the in-app list, and live on {@code /ws?scope=notifications}; then read, and read all.
 */
class NotificationsNewcomerTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Path DATA = Path.of("target", "embedded-notifications-" + UUID.randomUUID()).toAbsolutePath();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void a_mutual_favorite_arrives_in_the_embedded_mailbox_in_the_inbox_and_live() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            ApiClient api = ApiClient.onPort(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
            int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            String ada = token(api, "ada");
            String bob = token(api, "bob");
            assertThat(api.postJson("/api/users", ada, "{\"displayName\":\"Ada\"}").statusCode()).isEqualTo(202);
            assertThat(api.postJson("/api/users", bob, "{\"displayName\":\"Bob\"}").statusCode()).isEqualTo(202);

            // Ada's address, verified with the code the embedded mailbox received.
            HttpResponse<String> contact = api.send("PUT", "/api/users/me/contact", ada,
                    HttpRequest.BodyPublishers.ofString("{\"email\":\"ada@example.test\"}"), "Content-Type", "application/json");
            assertThat(contact.statusCode()).as(contact.body()).isEqualTo(202);
            JsonNode codeMail = await().atMost(WAIT).until(() -> mail(api, "ada@example.test", "Your picflow verification code"),
                    java.util.Objects::nonNull);
            Matcher code = Pattern.compile("Your code is (\\d{6})").matcher(codeMail.get("text").asString());
            assertThat(code.find()).isTrue();
            assertThat(api.postJson("/api/users/me/contact/email/verify", ada, "{\"code\":\"" + code.group(1) + "\"}").statusCode())
                    .isEqualTo(204);
            assertThat(json.readTree(api.get("/api/users/me/contact", ada).body()).get("emailVerified").asBoolean()).isTrue();

            // The mailbox is for this machine only, like dev tokens.
            assertThat(api.get("/api/dev/mailbox", null, "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(403);

            try (SocketClient live = SocketClient.connectWithHeader(port, "/ws?scope=notifications", ada)) {
                assertThat(live.until(text -> text.contains("\"CaughtUp\""), WAIT)).isNotEmpty();
                assertThat(api.postJson("/api/users/me/favorites", bob, "{\"userId\":\"ada\"}").statusCode()).isEqualTo(202);
                assertThat(api.postJson("/api/users/me/favorites", ada, "{\"userId\":\"bob\"}").statusCode()).isEqualTo(202);

                List<SocketClient.Frame> frames = live.until(text -> text.contains("\"MUTUAL_FAVORITE\""), WAIT);
                assertThat(frames).anyMatch(frame -> frame.text().contains("\"type\":\"Notification\"")
                        && frame.text().contains("Bob favorited you"));
                assertThat(frames.get(frames.size() - 1).text()).contains("You and Bob now favorite each other");
            }

            JsonNode mutualMail = await().atMost(WAIT).until(() -> mail(api, "ada@example.test", "You and Bob now favorite each other"),
                    java.util.Objects::nonNull);
            assertThat(mutualMail.get("listUnsubscribe").asString()).contains("/api/unsubscribe?t=");
            assertThat(mutualMail.get("listUnsubscribePost").asString()).isEqualTo("List-Unsubscribe=One-Click");

            await().atMost(WAIT).until(() -> json.readTree(api.get("/api/users/me/notifications", ada).body()).get("total").asInt() == 2);
            JsonNode inbox = json.readTree(api.get("/api/users/me/notifications", ada).body());
            assertThat(inbox.get("unread").asInt()).isEqualTo(2);
            JsonNode newest = inbox.get("items").get(0);
            assertThat(newest.get("trigger").asString()).isEqualTo("MUTUAL_FAVORITE");
            assertThat(newest.get("priority").asString()).isEqualTo("HIGH");
            assertThat(newest.get("actor").get("displayName").asString()).isEqualTo("Bob");

            String id = newest.get("notificationId").asString();
            assertThat(api.postJson("/api/users/me/notifications/" + id + "/read", ada, "").statusCode()).isEqualTo(202);
            assertThat(api.postJson("/api/users/me/notifications/" + id + "/read", bob, "").statusCode()).isEqualTo(404);
            await().atMost(WAIT).until(() -> json.readTree(api.get("/api/users/me/notifications", ada).body()).get("unread").asInt() == 1);
            assertThat(api.postJson("/api/users/me/notifications/read-all", ada, "").statusCode()).isEqualTo(202);
            await().atMost(WAIT).until(() -> json.readTree(api.get("/api/users/me/notifications?unread=true", ada).body())
                    .get("total").asInt() == 0);

            // Preferences: the defaults, with what this run can deliver.
            JsonNode preferences = json.readTree(api.get("/api/users/me/notification-preferences", ada).body());
            assertThat(preferences.get("timeZone").asString()).isEqualTo("UTC");
            assertThat(preferences.get("channels").get("email").get("available").asBoolean()).isTrue();
            // SMS and push have no provider here, but the embedded run's dev outbox stands in for them.
            assertThat(preferences.get("channels").get("sms").get("available").asBoolean()).isTrue();
            assertThat(preferences.get("channels").get("push").get("available").asBoolean()).isTrue();
            assertThat(api.get("/api/dev/outbox", null).statusCode()).isEqualTo(200);
            assertThat(preferences.get("triggers").get("MUTUAL_FAVORITE").get("email").asBoolean()).isTrue();
        }
    }

    private static String token(ApiClient api, String user) throws Exception {
        HttpResponse<String> issued = api.postJson("/api/dev/tokens", null, "{\"userId\":\"" + user + "\"}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        return json.readTree(issued.body()).get("token").asString();
    }

    /** The newest mail to {@code to} with {@code subject} in the embedded mailbox, or null. */
    private static JsonNode mail(ApiClient api, String to, String subject) throws Exception {
        HttpResponse<String> mailbox = api.get("/api/dev/mailbox", null);
        assertThat(mailbox.statusCode()).as(mailbox.body()).isEqualTo(200);
        for (JsonNode message : json.readTree(mailbox.body()).get("messages")) {
            if (message.get("subject").asString().equals(subject) && message.get("to").toString().contains(to)) {
                return message;
            }
        }
        return null;
    }

    private static ConfigurableApplicationContext start() {
        SpringApplication application = StandaloneApplication.application();
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        application.setEnvironment(environment);
        List<String> args = new ArrayList<>(List.of("--picflow.data-dir=" + DATA, "--server.port=0",
                "--picflow.elasticsearch.url=" + TestServices.elasticsearch().url(),
                "--picflow.search.alias=images-" + UUID.randomUUID().toString().substring(0, 8)));
        return application.run(args.toArray(String[]::new));
    }
}
