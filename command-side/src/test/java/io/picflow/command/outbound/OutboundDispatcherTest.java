package io.picflow.command.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.resilience.Breakers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The outbound delivery engine on a real PostgreSQL, with a provider that does what each test tells it to. */
class OutboundDispatcherTest {

    private static final RetrySchedule FAST = new RetrySchedule(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMinutes(1));

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(TestServices.newDatabase(),
            TestServices.postgres().username(), TestServices.postgres().password());
    private final JdbcClient jdbc = JdbcClient.create(dataSource);
    private final OutboundDeliveries deliveries = new OutboundDeliveries(jdbc, null);
    private final List<OutboundDispatcher> dispatchers = new ArrayList<>();
    private final Provider provider = new Provider();

    OutboundDispatcherTest() {
        SchemaHistories.of(dataSource, "eventstore").migrate();
        SchemaHistories.of(dataSource, "command").migrate();
    }

    @AfterEach
    void stop() {
        dispatchers.forEach(OutboundDispatcher::close);
    }

    /** A provider: answers each delivery as {@code answer} says for its payload and attempt, and logs what it accepted. */
    static final class Provider implements OutboundTransport {
        final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        volatile Function<OutboundDelivery, DeliveryOutcome> answer = delivery -> new DeliveryOutcome.Sent("p-" + delivery.deliveryId(), 250, "ok");

        @Override
        public String channel() {
            return "test";
        }

        @Override
        public DeliveryOutcome send(OutboundDelivery delivery) {
            tries.computeIfAbsent(delivery.deliveryId(), id -> new AtomicInteger()).incrementAndGet();
            DeliveryOutcome outcome = answer.apply(delivery);
            if (outcome instanceof DeliveryOutcome.Sent) {
                accepted.add(delivery.deliveryId());
            }
            return outcome;
        }
    }

    private OutboundDispatcher node(RetrySchedule retries, DeliveryGate gate) {
        OutboundDispatcher dispatcher = new OutboundDispatcher(jdbc, deliveries, List.of(provider), gate, retries, Duration.ofMinutes(5),
                Duration.ofMillis(200), null, null);
        dispatchers.add(dispatcher);
        return dispatcher;
    }

    private void record(String id, String orderingKey) {
        deliveries.record(OutboundDeliveries.NewDelivery.now(id, "test", "provider", orderingKey, "{\"n\":\"" + id + "\"}"));
    }

    private String status(String id) {
        return deliveries.find(id).orElseThrow().status();
    }

    @Test
    void a_transient_failure_is_retried_until_the_provider_accepts_and_every_attempt_is_kept() {
        node(FAST, DeliveryGate.OPEN);
        provider.answer = d -> d.attempt() < 3 ? new DeliveryOutcome.Transient("SMTP_421", "try later", 421, null)
                : new DeliveryOutcome.Sent("p-1", 250, "queued as p-1");

        record("d1", null);

        await().atMost(Duration.ofSeconds(10)).until(() -> status("d1").equals("SENT"));
        assertThat(deliveries.attempts("d1")).extracting(OutboundDeliveries.Attempt::outcome).containsExactly("TRANSIENT", "TRANSIENT", "SENT");
        assertThat(deliveries.find("d1").orElseThrow().providerId()).isEqualTo("p-1");
        assertThat(provider.accepted).containsExactly("d1");
    }

    @Test
    void a_permanent_failure_fails_at_once_and_a_delivery_too_old_to_retry_fails_for_good() {
        node(new RetrySchedule(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(300)), DeliveryGate.OPEN);
        provider.answer = d -> d.deliveryId().equals("bad") ? new DeliveryOutcome.Permanent("SMTP_550", "no such mailbox", 550)
                : new DeliveryOutcome.Transient("TIMEOUT", "timed out", null, null);

        record("bad", null);
        record("slow", null);

        await().atMost(Duration.ofSeconds(10)).until(() -> status("bad").equals("FAILED") && status("slow").equals("FAILED"));
        assertThat(deliveries.find("bad").orElseThrow().retryable()).isFalse();
        assertThat(deliveries.attempts("bad")).hasSize(1);
        assertThat(deliveries.find("slow").orElseThrow().retryable()).isTrue();
        assertThat(deliveries.attempts("slow").size()).isGreaterThan(1);
    }

    @Test
    void a_delivery_recorded_twice_is_one_delivery() {
        record("once", null);
        record("once", null);
        node(FAST, DeliveryGate.OPEN);

        await().atMost(Duration.ofSeconds(10)).until(() -> status("once").equals("SENT"));
        assertThat(provider.tries.get("once").get()).isOne();
        assertThat(jdbc.sql("SELECT count(*) FROM outbound_delivery").query(Long.class).single()).isOne();
    }

    @Test
    void two_nodes_send_each_delivery_once() {
        for (int i = 0; i < 200; i++) {
            record("many-" + i, null);
        }
        node(FAST, DeliveryGate.OPEN);
        node(FAST, DeliveryGate.OPEN);

        await().atMost(Duration.ofSeconds(30)).until(() -> provider.accepted.size() >= 200);
        assertThat(provider.accepted).hasSize(200).doesNotHaveDuplicates();
        assertThat(provider.tries.values()).allMatch(tries -> tries.get() == 1);
    }

    @Test
    void deliveries_with_one_ordering_key_go_in_order_even_when_the_first_must_be_retried() {
        provider.answer = d -> d.deliveryId().equals("o1") && d.attempt() == 1
                ? new DeliveryOutcome.Transient("HTTP_503", "busy", 503, Duration.ofMillis(300))
                : new DeliveryOutcome.Sent(null, 200, "ok");
        record("o1", "aggregate-1");
        record("o2", "aggregate-1");
        record("o3", "aggregate-1");
        record("other", "aggregate-2");
        node(FAST, DeliveryGate.OPEN);

        await().atMost(Duration.ofSeconds(10)).until(() -> provider.accepted.size() == 4);
        List<String> ordered = new ArrayList<>(provider.accepted);
        ordered.remove("other");
        assertThat(ordered).containsExactly("o1", "o2", "o3");
        assertThat(provider.accepted.indexOf("other")).as("another aggregate does not wait").isLessThan(provider.accepted.indexOf("o1"));
    }

    @Test
    void a_delivery_claimed_by_a_node_that_died_is_sent_once_its_lease_has_run_out() {
        record("orphan", null);
        jdbc.sql("UPDATE outbound_delivery SET lease_owner = 'dead-node', lease_until = now() + interval '1 second', attempts = 1")
                .update();
        node(FAST, DeliveryGate.OPEN);

        await().atMost(Duration.ofSeconds(10)).until(() -> status("orphan").equals("SENT"));
        assertThat(deliveries.attempts("orphan")).extracting(OutboundDeliveries.Attempt::attempt).containsExactly(2);
    }

    @Test
    void while_the_gate_of_a_target_is_shut_its_deliveries_are_held_and_nothing_is_sent() {
        AtomicBoolean open = new AtomicBoolean(false);
        node(FAST, new DeliveryGate() {
            @Override
            public boolean permits(java.util.List<String> breakers) {
                return open.get();
            }

            @Override
            public Duration retryIn(java.util.List<String> breakers) {
                return Duration.ofMillis(200);
            }
        });
        record("gated", null);

        await().atMost(Duration.ofSeconds(10)).until(() -> "PROVIDER_UNAVAILABLE".equals(deliveries.find("gated").orElseThrow().reason()));
        assertThat(status("gated")).isEqualTo("HELD");
        assertThat(provider.tries).isEmpty();

        open.set(true);

        await().atMost(Duration.ofSeconds(10)).until(() -> status("gated").equals("SENT"));
        assertThat(deliveries.find("gated").orElseThrow().sentAt()).isBefore(Instant.now().plusSeconds(1));
    }

    @Test
    void finished_deliveries_older_than_the_retention_are_deleted_with_their_attempts() {
        node(FAST, DeliveryGate.OPEN);
        record("old", null);
        record("young", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> status("old").equals("SENT") && status("young").equals("SENT"));
        jdbc.sql("UPDATE outbound_delivery SET updated_at = now() - interval '31 days' WHERE delivery_id = 'old'").update();

        assertThat(OutboundConfiguration.deleteFinishedBefore(jdbc, Duration.ofDays(30))).isOne();
        assertThat(deliveries.find("old")).isEmpty();
        assertThat(deliveries.attempts("old")).isEmpty();
        assertThat(deliveries.find("young")).isPresent();
    }

    @Test
    void a_provider_that_keeps_failing_opens_its_breaker_its_deliveries_wait_untried_and_each_is_sent_once_when_it_is_back() {
        Breakers breakers = new Breakers(Breakers.config(Duration.ofSeconds(5), Duration.ofSeconds(10)), new SimpleMeterRegistry(),
                java.time.Clock.systemUTC());
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger reached = new AtomicInteger(); // calls that got past the breaker to the provider
        provider.answer = delivery -> ProviderCalls.through(breakers, "provider", () -> {
            reached.incrementAndGet();
            return down.get() ? new DeliveryOutcome.Transient("DOWN", "503", 503, null)
                    : new DeliveryOutcome.Sent("p-" + delivery.deliveryId(), 200, "ok");
        });
        node(new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMinutes(1)), new BreakerGate(breakers));
        for (int i = 0; i < 30; i++) {
            record("d" + i, null);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> !breakers.retryIn("provider").isZero());
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE reason = "
                + "'PROVIDER_UNAVAILABLE' AND status = 'HELD'").query(Integer.class).single() > 0);
        // Calls that passed the breaker just before it opened finish; then nothing more reaches the provider.
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_attempt").query(Integer.class)
                .single() == reached.get());
        int reachedWhileOpen = reached.get();
        record("late", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> "PROVIDER_UNAVAILABLE".equals(deliveries.find("late").orElseThrow().reason()));
        assertThat(deliveries.find("late").orElseThrow().attempts()).as("a hold is not an attempt").isZero();
        assertThat(reached.get()).isEqualTo(reachedWhileOpen);

        down.set(false);

        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("SELECT count(*) FROM outbound_delivery WHERE status = 'SENT'")
                .query(Integer.class).single() == 31);
        assertThat(provider.accepted).hasSize(31).doesNotHaveDuplicates();
        assertThat(breakers.get("provider").getState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
    }
}
