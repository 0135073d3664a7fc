package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.picflow.devservices.TestTokens;
import io.picflow.platform.resilience.Breakers;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SMS end to end on the command side (issue 19): the real trigger processor, planner and dispatcher, on PostgreSQL,
 * sending to two stand-ins of Twilio's Messages API, the primary and the fallback.
 */
// Its providers and breaker timings are its own: closed after the class rather than cached with the others.
@DirtiesContext
class SmsTransportTest extends NotificationsTestSupport {

    private static final Pattern CODE = Pattern.compile("Your picflow code is (\\d{6})");
    private static final FakeSmsProvider primary = new FakeSmsProvider("AC11111111111111111111111111111111", "primary-secret", "+15005550006");
    private static final FakeSmsProvider fallback = new FakeSmsProvider("AC22222222222222222222222222222222", "fallback-secret", "+15005550007");

    @Autowired
    Breakers breakers;

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("picflow.notifications.sms.base-url", primary::baseUrl);
        registry.add("picflow.notifications.sms.account-sid", () -> primary.accountSid);
        registry.add("picflow.notifications.sms.auth-token", () -> primary.authToken);
        registry.add("picflow.notifications.sms.from", () -> primary.from);
        registry.add("picflow.notifications.sms.fallback.base-url", fallback::baseUrl);
        registry.add("picflow.notifications.sms.fallback.account-sid", () -> fallback.accountSid);
        registry.add("picflow.notifications.sms.fallback.auth-token", () -> fallback.authToken);
        registry.add("picflow.notifications.sms.fallback.from", () -> fallback.from);
        registry.add("picflow.notifications.sms.timeout", () -> "2s");
        registry.add("picflow.breakers.wait-in-open", () -> "3s");
        registry.add("picflow.outbound.retry.first", () -> "100ms");
        registry.add("picflow.outbound.retry.max", () -> "1s");
        registry.add("picflow.outbound.poll-interval", () -> "1s");
    }

    @AfterAll
    static void stopProviders() throws Exception {
        primary.close();
        fallback.close();
    }

    /** Each test starts with both providers up and their breakers closed and empty. */
    @BeforeEach
    void providersUp() {
        primary.down = false;
        fallback.down = false;
        breakers.get(SmsConfiguration.BREAKER).reset();
        breakers.get(SmsConfiguration.FALLBACK_BREAKER).reset();
    }

    @Test
    void a_phone_is_verified_by_sms_and_then_gets_one_sms_per_notification() throws Exception {
        register("sms-ann", "Ann", null);
        register("sms-bob", "Bob", null);
        String token = TestTokens.user("sms-ann");
        String phone = "+15005550100";
        assertThat(put("/api/users/me/contact", token, "{\"phone\":\"" + phone + "\"}").statusCode()).isEqualTo(202);

        FakeSmsProvider.Exchange codeSms = await().atMost(Duration.ofSeconds(20)).until(() -> primary.to(phone).stream().findFirst()
                .orElse(null), java.util.Objects::nonNull);
        Matcher code = CODE.matcher(codeSms.form().get("Body"));
        assertThat(code.find()).as(codeSms.form().get("Body")).isTrue();
        assertThat(codeSms.form()).containsEntry("From", primary.from);
        assertThat(codeSms.idempotencyToken()).startsWith(ContactVerification.DELIVERY_PREFIX);
        assertThat(api().postJson("/api/users/me/contact/phone/verify", token, "{\"code\":\"" + code.group(1) + "\"}").statusCode())
                .isEqualTo(204);
        assertThat(api().get("/api/users/me/contact", token).body()).contains("\"phone\":\"" + phone + "\"", "\"phoneVerified\":true");
        // Sent and settled: the plain code is gone from the delivery log.
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE user_id = 'sms-ann' "
                + "AND delivery_id LIKE 'verify:%' AND payload LIKE '%code%'").query(Long.class).single() == 0);

        smsFor("sms-ann", "UTC");
        assertThat(favorite("sms-bob", "sms-ann").statusCode()).isEqualTo(202);

        String deliveryId = awaitDelivery("sms-ann", "SENT");
        FakeSmsProvider.Exchange sms = primary.exchanges().stream().filter(e -> deliveryId.equals(e.idempotencyToken())).findFirst()
                .orElseThrow();
        assertThat(sms.path()).isEqualTo("/2010-04-01/Accounts/" + primary.accountSid + "/Messages.json");
        assertThat(sms.authorization()).isEqualTo("Basic " + Base64.getEncoder().encodeToString(
                (primary.accountSid + ":" + primary.authToken).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(sms.form()).containsEntry("To", phone).containsEntry("From", primary.from);
        assertThat(sms.form().get("Body")).startsWith("Bob favorited you on picflow - ").endsWith("(UTC)").doesNotContain("http");
        assertThat(sms.status()).isEqualTo(201);
        assertThat(jdbc.sql("SELECT provider_id FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId)
                .query(String.class).single()).startsWith("SM");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationDelivered", "sms-ann") == 1);
        assertThat(primary.requestsFor(deliveryId)).isEqualTo(1);
        assertThat(fallback.exchanges()).noneMatch(e -> phone.equals(e.form().get("To")));
    }

    @Test
    void an_invalid_number_fails_for_good_without_a_retry() {
        String phone = "+15005550001";
        recipientWithVerifiedPhone("sms-cat", "Cat", phone);
        register("sms-dan", "Dan", null);
        primary.script(phone, FakeSmsProvider.error(400, TwilioSms.INVALID_TO, "The 'To' number " + phone + " is not a valid phone number."));

        assertThat(favorite("sms-dan", "sms-cat").statusCode()).isEqualTo(202);

        String deliveryId = awaitDelivery("sms-cat", "FAILED");
        assertThat(jdbc.sql("SELECT error_code || ' ' || retryable FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId)
                .query(String.class).single()).isEqualTo("SMS_INVALID_NUMBER false");
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> primary.requestsFor(deliveryId) == 1);
        assertThat(fallback.requestsFor(deliveryId)).isZero();
        // A working provider's verdict about one number: not the provider's failure.
        assertThat(breakers.get(SmsConfiguration.BREAKER).getMetrics().getNumberOfFailedCalls()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationDeliveryFailed", "sms-cat") == 1);
    }

    @Test
    void a_503_is_retried_no_sooner_than_its_retry_after() {
        String phone = "+15005550102";
        recipientWithVerifiedPhone("sms-eve", "Eve", phone);
        register("sms-fay", "Fay", null);
        primary.script(phone, new MockResponse.Builder().code(503).setHeader("Retry-After", "1")
                .setHeader("Content-Type", "application/json").body("{\"code\":20503,\"message\":\"Service unavailable\",\"status\":503}").build());

        assertThat(favorite("sms-fay", "sms-eve").statusCode()).isEqualTo(202);

        String deliveryId = awaitDelivery("sms-eve", "SENT");
        assertThat(primary.to(phone)).extracting(FakeSmsProvider.Exchange::status).containsExactly(503, 201);
        List<Instant> attempts = jdbc.sql("SELECT at FROM outbound_attempt WHERE delivery_id = :id ORDER BY attempt").param("id", deliveryId)
                .query((row, i) -> row.getTimestamp(1).toInstant()).list();
        assertThat(attempts).hasSize(2);
        // The schedule alone would have waited 50 to 100 ms.
        assertThat(Duration.between(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(primary.accepted(deliveryId)).isEqualTo(1);
    }

    @Test
    void while_the_primary_is_down_its_breaker_opens_and_the_fallback_takes_the_messages() {
        String phone = "+15005550103";
        recipientWithVerifiedPhone("sms-gil", "Gil", phone);
        List<String> actors = actors("sms-gil-fan", 4);
        primary.down = true;

        actors.subList(0, 3).forEach(actor -> assertThat(favorite(actor, "sms-gil").statusCode()).isEqualTo(202));
        await().atMost(Duration.ofSeconds(20)).until(() -> breakers.get(SmsConfiguration.BREAKER).getState() == CircuitBreaker.State.OPEN);
        assertThat(primary.to(phone).size()).isGreaterThanOrEqualTo(10);
        // Those that failed go to the fallback once the primary's breaker is open.
        await().atMost(Duration.ofSeconds(20)).until(() -> deliveryIds("sms-gil", "SENT").size() == 3);

        // A later one goes straight to the fallback.
        assertThat(favorite(actors.get(3), "sms-gil").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveryIds("sms-gil", "SENT").size() == 4);
        List<String> sent = deliveryIds("sms-gil", "SENT");
        assertThat(sent).allSatisfy(id -> {
            assertThat(fallback.accepted(id)).isEqualTo(1);
            assertThat(primary.accepted(id)).isZero();
        });
        String later = sent.stream().filter(id -> primary.requestsFor(id) == 0).findFirst().orElseThrow();
        assertThat(fallback.to(phone)).filteredOn(e -> later.equals(e.idempotencyToken())).singleElement()
                .satisfies(e -> assertThat(e.form()).containsEntry("From", fallback.from));
        assertThat(breakers.get(SmsConfiguration.FALLBACK_BREAKER).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void with_both_providers_down_deliveries_are_held_and_sent_once_when_one_is_back() {
        String phone = "+15005550104";
        recipientWithVerifiedPhone("sms-hal", "Hal", phone);
        List<String> actors = actors("sms-hal-fan", 5);
        primary.down = true;
        fallback.down = true;

        actors.forEach(actor -> assertThat(favorite(actor, "sms-hal").statusCode()).isEqualTo(202));
        await().atMost(Duration.ofSeconds(40)).until(() -> breakers.get(SmsConfiguration.BREAKER).getState() == CircuitBreaker.State.OPEN
                && breakers.get(SmsConfiguration.FALLBACK_BREAKER).getState() == CircuitBreaker.State.OPEN);
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveries("sms-hal", "sms").contains(
                Map.of("status", "HELD", "reason", "PROVIDER_UNAVAILABLE")));
        assertThat(deliveries("sms-hal", "sms")).noneMatch(delivery -> delivery.get("status").equals("FAILED"));

        primary.down = false;
        await().atMost(Duration.ofSeconds(30)).until(() -> deliveryIds("sms-hal", "SENT").size() == 5);
        assertThat(deliveryIds("sms-hal", "SENT")).allSatisfy(id -> assertThat(primary.accepted(id) + fallback.accepted(id)).isEqualTo(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("NotificationDelivered", "sms-hal") == 5);
    }

    @Test
    void the_sixth_sms_of_a_users_day_goes_into_a_digest_held_until_their_next_day() {
        // A zone where it is around midday now: the six notifications fall into one local day.
        int offset = 12 - ZonedDateTime.now(ZoneId.of("UTC")).getHour();
        String zone = offset == 0 ? "UTC" : offset > 0 ? "Etc/GMT-" + offset : "Etc/GMT+" + (-offset);
        String phone = "+15005550105";
        recipientWithVerifiedPhone("sms-ivy", "Ivy", phone, zone);
        List<String> actors = actors("sms-ivy-fan", 6);

        actors.forEach(actor -> assertThat(favorite(actor, "sms-ivy").statusCode()).isEqualTo(202));

        await().atMost(Duration.ofSeconds(20)).until(() -> deliveryIds("sms-ivy", "SENT").size() == 5
                && deliveries("sms-ivy", "sms").size() == 6);
        assertThat(deliveries("sms-ivy", "sms")).containsOnlyOnce(Map.of("status", "HELD", "reason", "RATE_CAP"));
        LocalDate today = LocalDate.now(ZoneId.of(zone));
        Instant nextDay = today.plusDays(1).atStartOfDay(ZoneId.of(zone)).toInstant();
        assertThat(jdbc.sql("SELECT due_at FROM outbound_delivery WHERE user_id = 'sms-ivy' AND reason = 'RATE_CAP'")
                .query((row, i) -> row.getTimestamp(1).toInstant()).single()).isEqualTo(nextDay);
        assertThat(jdbc.sql("SELECT count(*) FROM notification_digest_item WHERE user_id = 'sms-ivy'").query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT day || ' ' || sent FROM notification_sms_count WHERE user_id = 'sms-ivy'").query(String.class).single())
                .isEqualTo(today + " 5");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> primary.to(phone).size() == 5);
    }

    @Test
    void an_unverified_phone_gets_nothing() {
        String phone = "+15005550106";
        register("sms-jon", "Jon", null);
        smsFor("sms-jon", "UTC");
        jdbc.sql("INSERT INTO user_contact (user_id, phone, phone_verified, updated_at) VALUES ('sms-jon', :phone, false, now())")
                .param("phone", phone).update();
        register("sms-kim", "Kim", null);

        assertThat(favorite("sms-kim", "sms-jon").statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries("sms-jon", "sms").contains(
                Map.of("status", "SKIPPED", "reason", "NO_VERIFIED_ADDRESS")));
        assertThat(primary.to(phone)).isEmpty();
        assertThat(fallback.to(phone)).isEmpty();
    }

    @Test
    void a_phone_changed_before_the_sms_goes_is_not_written_to() {
        String phone = "+15005550107";
        register("sms-lou", "Lou", null);
        java.time.LocalTime now = java.time.LocalTime.now(ZoneId.of("UTC"));
        String quietHours = "{\"start\":\"" + now.minusHours(1).withSecond(0).withNano(0) + "\",\"end\":\""
                + now.plusHours(1).withSecond(0).withNano(0) + "\",\"allowHighPriority\":false}";
        assertThat(put("/api/users/me/notification-preferences", TestTokens.user("sms-lou"), SmsPreferences.favoritedBySms("UTC", quietHours))
                .statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM notification_preference "
                + "WHERE user_id = 'sms-lou' AND document LIKE '%\"sms\":true%'").query(Long.class).single() == 1);
        jdbc.sql("INSERT INTO user_contact (user_id, phone, phone_verified, updated_at) VALUES ('sms-lou', :phone, true, now())")
                .param("phone", phone).update();
        register("sms-mia", "Mia", null);
        assertThat(favorite("sms-mia", "sms-lou").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries("sms-lou", "sms").equals(
                List.of(Map.of("status", "HELD", "reason", "QUIET_HOURS"))));

        // Meanwhile the phone changed (and is unverified again); then the quiet hours end.
        jdbc.sql("UPDATE user_contact SET phone = '+15005550108', phone_verified = false WHERE user_id = 'sms-lou'").update();
        jdbc.sql("UPDATE outbound_delivery SET due_at = now() WHERE user_id = 'sms-lou' AND status = 'HELD'").update();
        jdbc.sql("SELECT pg_notify('picflow_outbound', '')").query().singleRow();

        String deliveryId = awaitDelivery("sms-lou", "FAILED");
        assertThat(jdbc.sql("SELECT error_code FROM outbound_delivery WHERE delivery_id = :id").param("id", deliveryId)
                .query(String.class).single()).isEqualTo("NO_VERIFIED_ADDRESS");
        assertThat(primary.requestsFor(deliveryId) + fallback.requestsFor(deliveryId)).isZero();
    }

    @Test
    void sms_counts_go_with_an_erasure_and_after_two_days() {
        register("sms-ned", "Ned", null);
        jdbc.sql("INSERT INTO notification_sms_count (user_id, day, sent) VALUES ('sms-ned', current_date, 3), "
                + "('sms-old', current_date - 3, 5), ('sms-new', current_date - 1, 5)").update();

        assertThat(api().send("DELETE", "/api/users/me", TestTokens.user("sms-ned"), java.net.http.HttpRequest.BodyPublishers.noBody())
                .statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> smsCountUsers().equals(List.of("sms-new", "sms-old")));
        NotificationsRetention.cleanUp(jdbc, Duration.ofDays(30));
        assertThat(smsCountUsers()).containsExactly("sms-new");
    }

    private List<String> smsCountUsers() {
        return jdbc.sql("SELECT user_id FROM notification_sms_count WHERE user_id IN ('sms-ned', 'sms-old', 'sms-new') ORDER BY user_id")
                .query(String.class).list();
    }

    private void recipientWithVerifiedPhone(String userId, String name, String phone) {
        recipientWithVerifiedPhone(userId, name, phone, "UTC");
    }

    /** Registered, wanting FAVORITED by SMS, with a verified phone (verified as in the first test, here by hand). */
    private void recipientWithVerifiedPhone(String userId, String name, String phone, String zone) {
        register(userId, name, null);
        smsFor(userId, zone);
        jdbc.sql("INSERT INTO user_contact (user_id, phone, phone_verified, updated_at) VALUES (:user, :phone, true, now()) "
                        + "ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, phone_verified = true")
                .param("user", userId).param("phone", phone).update();
    }

    private List<String> actors(String prefix, int count) {
        List<String> actors = IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).toList();
        actors.forEach(actor -> register(actor, "Fan " + actor.substring(actor.length() - 1), null));
        return actors;
    }

    /** FAVORITED by SMS on (and nothing else by SMS or email), in {@code zone}; waits until the planner sees it. */
    private void smsFor(String userId, String zone) {
        assertThat(put("/api/users/me/notification-preferences", TestTokens.user(userId), SmsPreferences.favoritedBySms(zone)).statusCode())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM notification_preference WHERE user_id = :user "
                + "AND document LIKE '%\"sms\":true%'").param("user", userId).query(Long.class).single() == 1);
    }

    /** The id of the user's one SMS delivery, once it has that status. */
    private String awaitDelivery(String userId, String status) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> deliveryIds(userId, status).stream().findFirst().orElse(null),
                java.util.Objects::nonNull);
    }

    private List<String> deliveryIds(String userId, String status) {
        return jdbc.sql("SELECT delivery_id FROM outbound_delivery WHERE user_id = :user AND channel = 'sms' AND status = :status "
                        + "AND delivery_id NOT LIKE 'verify:%'")
                .param("user", userId).param("status", status).query(String.class).list();
    }
}
