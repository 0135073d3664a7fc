package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.messaging.StreamableMessageSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A real SMTP server that is down while a notification is due: the delivery is retried (persisted, scheduled) and
 * delivered once the server is up, exactly once. Then the notifications processor is reset to the start of the event
 * store: it goes through all of history again and sends nothing again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SmtpOutageTest {

    private static int smtpPort;
    private static ConfigurableApplicationContext node;
    private static GreenMail smtp;
    private static ApiClient api;
    private static JdbcClient jdbc;

    @BeforeAll
    static void startWithTheMailServerDown() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            smtpPort = free.getLocalPort();
        }
        Map<String, String> properties = new HashMap<>(TestServices.applicationProperties(false));
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("spring.mail.host", "127.0.0.1");
        properties.put("spring.mail.port", Integer.toString(smtpPort));
        properties.put("picflow.notifications.email.timeout-millis", "2000");
        properties.put("picflow.outbound.retry.first", "300ms");
        properties.put("picflow.outbound.retry.max", "1s");
        properties.put("picflow.outbound.poll-interval", "1s");
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        node = new SpringApplicationBuilder(CommandSideApplication.class).run(arguments);
        api = ApiClient.onPort(((WebServerApplicationContext) node).getWebServer().getPort());
        jdbc = node.getBean(JdbcClient.class);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    @Test
    @Order(1)
    void a_notification_due_while_smtp_is_down_is_retried_and_then_delivered_once() throws Exception {
        for (String[] user : new String[][] {{"out-ann", "Ann"}, {"out-bob", "Bob"}}) {
            assertThat(api.postJson("/api/users", TestTokens.user(user[0]),
                    "{\"displayName\":\"" + user[1] + "\",\"email\":\"" + user[0] + "@example.test\"}").statusCode()).isEqualTo(202);
        }
        jdbc.sql("UPDATE user_contact SET email_verified = true WHERE user_id = 'out-ann'").update(); // verified before the outage
        api.postJson("/api/users/me/favorites", TestTokens.user("out-ann"), "{\"userId\":\"out-bob\"}");
        api.postJson("/api/users/me/favorites", TestTokens.user("out-bob"), "{\"userId\":\"out-ann\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_attempt a JOIN outbound_delivery d "
                + "USING (delivery_id) WHERE d.user_id = 'out-ann' AND a.outcome = 'TRANSIENT'").query(Long.class).single() >= 2);
        assertThat(jdbc.sql("SELECT status, error_code FROM outbound_delivery WHERE user_id = 'out-ann' AND channel = 'email' "
                + "AND status <> 'SKIPPED'").query((row, i) -> row.getString(1) + " " + row.getString(2)).single())
                .isEqualTo("PENDING SMTP_UNREACHABLE");

        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        smtp.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length == 1);
        assertThat(smtp.getReceivedMessages()[0].getSubject()).isEqualTo("You and Bob now favorite each other");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT status FROM outbound_delivery WHERE user_id = 'out-ann' "
                + "AND channel = 'email' AND status <> 'SKIPPED'").query(String.class).single().equals("SENT"));
    }

    @Test
    @Order(2)
    void a_reset_is_refused_and_events_processed_again_send_nothing_again() {
        long notifications = countOf("NotificationCreated");
        int mails = smtp.getReceivedMessages().length;
        EventProcessingConfiguration processing = node.getBean(org.axonframework.config.Configuration.class).eventProcessingConfiguration();
        PooledStreamingEventProcessor processor = processing.eventProcessor(NotificationTriggers.PROCESSING_GROUP,
                PooledStreamingEventProcessor.class).orElseThrow();
        processor.shutDown();
        // A replay notifies no one: the processor does not take one.
        assertThatThrownBy(() -> processor.resetTokens(StreamableMessageSource::createTailToken))
                .isInstanceOf(IllegalStateException.class);

        // Every event processed again as new, as after a claim taken over by another node whose work was lost: the tokens
        // are moved back to the start of the event store by hand (a segment that has no token yet starts there anyway).
        int moved = jdbc.sql("UPDATE command_token_entry SET token = convert_to(regexp_replace(regexp_replace(convert_from(token, 'UTF8'), "
                        + "'\"index\":[0-9]+', '\"index\":-1'), '\"gaps\":\\[[^]]*\\]', '\"gaps\":[]'), 'UTF8') "
                        + "WHERE processor_name = :processor AND token IS NOT NULL")
                .param("processor", NotificationTriggers.PROCESSING_GROUP).update();
        assertThat(moved).as(jdbc.sql("SELECT segment || ' ' || coalesce(convert_from(token, 'UTF8'), 'null') FROM command_token_entry "
                + "WHERE processor_name = :processor").param("processor", NotificationTriggers.PROCESSING_GROUP).query(String.class).list()
                .toString()).isPositive();
        assertThat(jdbc.sql("SELECT convert_from(token, 'UTF8') FROM command_token_entry WHERE processor_name = :processor")
                .param("processor", NotificationTriggers.PROCESSING_GROUP).query(String.class).list()).allMatch(t -> t == null || t.contains("\"index\":-1"));
        processor.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> processor.processingStatus().size() == 1
                && processor.processingStatus().values().stream().allMatch(status -> status.isCaughtUp()
                        && status.getCurrentPosition().orElse(-1) >= lastGlobalIndex()));
        assertThat(countOf("NotificationCreated")).isEqualTo(notifications);
        assertThat(smtp.getReceivedMessages()).hasSize(mails);
        assertThat(mails).isEqualTo(1);
    }

    private static long lastGlobalIndex() {
        return jdbc.sql("SELECT max(global_index) FROM domain_event_entry").query(Long.class).single();
    }

    private static long countOf(String eventType) {
        return jdbc.sql("SELECT count(*) FROM domain_event_entry WHERE payload_type = :type")
                .param("type", "io.picflow.events.notifications." + eventType).query(Long.class).single();
    }
}
