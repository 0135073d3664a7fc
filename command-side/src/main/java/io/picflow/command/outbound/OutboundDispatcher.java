package io.picflow.command.outbound;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Sends the due outbound deliveries ({@link OutboundDeliveries}) through their channel's {@link OutboundTransport},
 * on every node at once: a delivery is claimed by one node (a lease in its row, taken with {@code FOR UPDATE SKIP
 * LOCKED}), sent, and its outcome recorded. Nothing waits in a thread: a delivery to retry, or held, is a row with a
 * {@code due_at}, whichever node is up when it is due.
 *
 * <ul>
 *   <li>Transient failures are retried on the {@link RetrySchedule} (backoff with jitter, the provider's
 *       {@code Retry-After} honoured) until the delivery is {@code giveUpAfter} old; permanent ones fail at once.</li>
 *   <li>Deliveries with the same {@code ordering_key} go one after the other in the order they were recorded: a
 *       later one waits until the earlier ones are sent or have failed for good.</li>
 *   <li>A target whose {@link DeliveryGate} is shut (its circuit breaker is open) is not tried: its deliveries are
 *       held ({@code PROVIDER_UNAVAILABLE}) until the gate says to look again.</li>
 *   <li>A node that dies while sending leaves its claims to expire ({@code lease}): the delivery is then sent again,
 *       with the same id, the one repeat the engine allows.</li>
 * </ul>
 * It looks when this node records a delivery, when another node does (a NOTIFY), when the earliest delivery it
 * knows of falls due, and every {@code pollInterval} at least.
 */
public class OutboundDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboundDispatcher.class);
    private static final int BATCH = 50;
    private static final int DETAIL_CHARS = 1024;
    private static final Duration MIN_WAIT = Duration.ofMillis(200);
    private static final int MAX_SPREAD_SECONDS = 10;

    private final JdbcClient jdbc;
    private final Map<String, OutboundTransport> transports = new ConcurrentHashMap<>();
    private final Map<String, ExecutorService> senders = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final DeliveryGate gate;
    private final RetrySchedule retries;
    private final Duration lease;
    private final Duration pollInterval;
    private final MeterRegistry meters;
    private final String node = UUID.randomUUID().toString();
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean running = true;
    private final Thread looker;
    private final org.springframework.transaction.support.TransactionTemplate outcomeTransaction;
    private final org.springframework.transaction.support.TransactionTemplate settleSavepoint;

    /**
     * {@code transactions}: the outcome, its attempt and what the transport does when a delivery settles commit together
     * (null: each statement on its own, for tests of the engine alone).
     */
    public OutboundDispatcher(JdbcClient jdbc, OutboundDeliveries deliveries, List<OutboundTransport> transports, DeliveryGate gate,
            RetrySchedule retries, Duration lease, Duration pollInterval, MeterRegistry meters,
            org.springframework.transaction.PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        if (transactions != null) {
            this.outcomeTransaction = new org.springframework.transaction.support.TransactionTemplate(transactions);
            this.settleSavepoint = new org.springframework.transaction.support.TransactionTemplate(transactions);
            this.settleSavepoint.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_NESTED);
        } else {
            this.outcomeTransaction = null;
            this.settleSavepoint = null;
        }
        this.gate = gate;
        this.retries = retries;
        this.lease = lease;
        this.pollInterval = pollInterval;
        this.meters = meters == null ? new SimpleMeterRegistry() : meters;
        for (OutboundTransport transport : transports) {
            this.transports.put(transport.channel(), transport);
            this.inFlight.put(transport.channel(), new AtomicInteger());
            AtomicInteger count = new AtomicInteger();
            this.senders.put(transport.channel(), Executors.newFixedThreadPool(transport.concurrency(), runnable -> {
                Thread thread = new Thread(runnable, "outbound-" + transport.channel() + "-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }));
        }
        deliveries.onRecorded(this::wakeUp);
        this.looker = new Thread(this::loop, "outbound-dispatcher");
        looker.setDaemon(true);
        if (!this.transports.isEmpty()) {
            looker.start(); // without a transport there is nothing this node could send: it does not look
        }
    }

    /** Looks now (a delivery was recorded, here or on another node). */
    public void wakeUp() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            Duration wait = pollInterval;
            try {
                int claimed = claimAndSend();
                if (claimed > 0) {
                    continue; // more may be due, or room freed up
                }
                wait = untilNextDue();
            } catch (RuntimeException e) {
                log.warn("The outbound dispatcher could not look for due deliveries: {}", e.toString());
            }
            waitFor(wait);
        }
    }

    private void waitFor(Duration wait) {
        synchronized (signal) {
            long until = System.nanoTime() + wait.toNanos();
            while (!woken && running) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            woken = false;
        }
    }

    /** The time until the earliest pending or held delivery of this node's channels falls due, at most the poll interval. */
    private Duration untilNextDue() {
        // The claim's own conditions: a row claimed by a node counts from its lease's end, a row waiting behind an
        // earlier one of its ordering key not at all (the earlier one's outcome wakes this node up).
        List<Long> due = jdbc.sql("SELECT (extract(epoch FROM min(greatest(c.due_at, coalesce(c.lease_until, c.due_at))) - now()) "
                        + "* 1000)::bigint FROM outbound_delivery c WHERE c.status IN ('PENDING', 'HELD') AND c.channel = ANY(:channels) "
                        + "AND (c.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbound_delivery e "
                        + "WHERE e.ordering_key = c.ordering_key AND e.seq < c.seq AND e.status IN ('PENDING', 'HELD')))")
                .param("channels", transports.keySet().toArray(String[]::new)).query((row, i) -> (Long) row.getObject(1)).list(); // one row; its value is null when nothing is pending
        Long millis = due.isEmpty() ? null : due.get(0);
        if (millis == null) {
            return pollInterval;
        }
        // Nothing was claimable just now: a row due already is one this node has no room for (its senders are busy,
        // and a finished send wakes it up), or one another node holds.
        return Duration.ofMillis(Math.max(MIN_WAIT.toMillis(), Math.min(millis, pollInterval.toMillis())));
    }

    /** Claims what is due and this node has room for, channel by channel, and hands each to its channel's senders. */
    int claimAndSend() {
        int claimed = 0;
        for (Map.Entry<String, OutboundTransport> transport : transports.entrySet()) {
            // Twice the senders: a few wait in the queue, well within their lease (which is renewed before each send).
            int room = transport.getValue().concurrency() * 2 - inFlight.get(transport.getKey()).get();
            if (room > 0) {
                claimed += claim(transport.getKey(), Math.min(BATCH, room));
            }
        }
        return claimed;
    }

    private int claim(String channel, int limit) {
        List<OutboundDelivery> claimed = jdbc.sql("UPDATE outbound_delivery d SET lease_owner = :node, "
                        + "lease_until = now() + make_interval(secs => :lease), attempts = d.attempts + 1, updated_at = now() "
                        + "WHERE d.delivery_id IN (SELECT c.delivery_id FROM outbound_delivery c "
                        + "  WHERE c.status IN ('PENDING', 'HELD') AND c.due_at <= now() AND c.channel = :channel "
                        + "  AND (c.lease_until IS NULL OR c.lease_until < now()) "
                        + "  AND (c.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbound_delivery e "
                        + "       WHERE e.ordering_key = c.ordering_key AND e.seq < c.seq AND e.status IN ('PENDING', 'HELD'))) "
                        + "  ORDER BY c.due_at LIMIT :batch FOR UPDATE SKIP LOCKED) "
                        + "RETURNING d.delivery_id, d.channel, d.target, d.ordering_key, d.payload, d.attempts, d.created_at")
                .param("node", node).param("lease", lease.toSeconds()).param("channel", channel).param("batch", limit)
                .query((row, i) -> new OutboundDelivery(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                        row.getString(5), row.getInt(6), row.getTimestamp(7).toInstant()))
                .list();
        for (OutboundDelivery delivery : claimed) {
            inFlight.get(delivery.channel()).incrementAndGet();
            try {
                senders.get(delivery.channel()).execute(() -> {
                    try {
                        send(delivery);
                    } finally {
                        inFlight.get(delivery.channel()).decrementAndGet();
                        wakeUp(); // room for the next one
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                inFlight.get(delivery.channel()).decrementAndGet(); // the node is stopping: the lease runs out, another sends it
            }
        }
        return claimed.size();
    }

    /**
     * Renews this attempt's lease just before the send: false if the attempt is no longer this node's (its lease ran
     * out while it waited in the queue and another node, or this one, claimed the delivery again), and then nothing is sent.
     */
    private boolean stillMine(OutboundDelivery delivery) {
        return jdbc.sql("UPDATE outbound_delivery SET lease_until = now() + make_interval(secs => :lease) "
                        + "WHERE delivery_id = :id AND lease_owner = :node AND attempts = :attempt AND status IN ('PENDING', 'HELD')")
                .param("lease", lease.toSeconds()).param("id", delivery.deliveryId()).param("node", node)
                .param("attempt", delivery.attempt()).update() > 0;
    }

    private void send(OutboundDelivery delivery) {
        if (!stillMine(delivery)) {
            count(delivery, "lease-lost");
            return;
        }
        OutboundTransport transport = transports.get(delivery.channel());
        List<String> breakers = transport.breakersFor(delivery.target());
        if (!gate.permits(breakers)) {
            Duration retryIn = gate.retryIn(breakers);
            hold(delivery, retryIn);
            holdTheOthers(delivery, retryIn);
            return;
        }
        long began = System.nanoTime();
        DeliveryOutcome outcome;
        try {
            outcome = transport.send(delivery);
        } catch (RuntimeException bug) {
            log.error("The {} transport failed on delivery {}", delivery.channel(), delivery.deliveryId(), bug);
            outcome = new DeliveryOutcome.Transient("INTERNAL", "The transport failed: " + bug.getClass().getSimpleName(), null, null);
        }
        if (outcome instanceof DeliveryOutcome.ProviderUnavailable unavailable) {
            // Its breaker opened between the gate and the send, or is half-open with its trial calls taken (then
            // retryIn is zero: the gate's shortest hold, so that it does not come straight back).
            Duration retryIn = gate.retryIn(breakers);
            hold(delivery, unavailable.retryIn().compareTo(retryIn) > 0 ? unavailable.retryIn() : retryIn);
            return;
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        try {
            DeliveryOutcome recorded = outcome;
            if (outcomeTransaction == null) {
                record(delivery, recorded, millis);
            } else {
                // One commit for the outcome, its attempt and the transport's follow-up, not one each.
                outcomeTransaction.executeWithoutResult(status -> record(delivery, recorded, millis));
            }
        } catch (RuntimeException e) {
            // The lease runs out and the delivery is sent again: the documented repeat, with the same id.
            log.warn("Could not record the outcome of delivery {}: {}", delivery.deliveryId(), e.toString());
        }
    }

    /**
     * Up to half the hold again (at most {@value #MAX_SPREAD_SECONDS} s), at random: the deliveries held for one open
     * breaker do not all fall due at the moment it lets its few trial calls through, only to be held again together.
     */
    private static Duration holdSpread(Duration retryIn) {
        long spreadMillis = Math.min(retryIn.toMillis() / 2, MAX_SPREAD_SECONDS * 1000L);
        return Duration.ofMillis(spreadMillis <= 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(spreadMillis + 1));
    }

    /**
     * The target's other deliveries that are due now are held with this one, in one statement (those held already,
     * due later, are left alone: rewriting them at every refusal would cost more than it saves), instead of each being claimed, renewed and held on its own (three transactions apiece, thousands at
     * once for a busy provider). Not the ones another claim holds now; their attempts are untouched.
     */
    private void holdTheOthers(OutboundDelivery delivery, Duration retryIn) {
        try {
            int held = jdbc.sql("UPDATE outbound_delivery SET status = 'HELD', reason = 'PROVIDER_UNAVAILABLE', "
                            + "due_at = now() + make_interval(secs => :wait + random() * :spread), updated_at = now() "
                            + "WHERE channel = :channel AND target = :target AND delivery_id <> :id AND status IN ('PENDING', 'HELD') "
                            + "AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())")
                    .param("wait", retryIn.toMillis() / 1000.0)
                    .param("spread", Math.min(retryIn.toMillis() / 2, MAX_SPREAD_SECONDS * 1000L) / 1000.0)
                    .param("channel", delivery.channel()).param("target", delivery.target()).param("id", delivery.deliveryId())
                    .update();
            if (held > 0) {
                meters.counter("picflow.outbound.deliveries", "channel", delivery.channel(), "outcome", "gated").increment(held);
            }
        } catch (RuntimeException e) {
            // Only a shortcut: each of them is still held on its own when it is claimed.
            log.debug("Could not hold the other deliveries to {}: {}", delivery.target(), e.toString());
        }
    }

    /**
     * Held ({@code PROVIDER_UNAVAILABLE}) for {@code retryIn}, without counting the attempt: its provider's breaker is
     * open. Not for ever: past its give-up age it fails like any other.
     */
    private void hold(OutboundDelivery delivery, Duration retryIn) {
        retryIn = retryIn.plus(holdSpread(retryIn));
        boolean tooOld = delivery.createdAt().plus(retries.giveUpAfter()).isBefore(java.time.Instant.now().plus(retryIn));
        jdbc.sql("UPDATE outbound_delivery SET status = CASE WHEN :tooOld THEN 'FAILED' ELSE 'HELD' END, "
                        + "reason = CASE WHEN :tooOld THEN NULL ELSE 'PROVIDER_UNAVAILABLE' END, "
                        + "error_code = CASE WHEN :tooOld THEN 'PROVIDER_UNAVAILABLE' ELSE error_code END, "
                        + "retryable = CASE WHEN :tooOld THEN true ELSE retryable END, attempts = attempts - 1, "
                        + "due_at = now() + make_interval(secs => :wait), lease_owner = NULL, lease_until = NULL, updated_at = now() "
                        + "WHERE delivery_id = :id AND lease_owner = :node AND attempts = :attempt")
                .param("tooOld", tooOld).param("wait", retryIn.toMillis() / 1000.0).param("id", delivery.deliveryId())
                .param("node", node).param("attempt", delivery.attempt()).update();
        if (tooOld) {
            settle(delivery, "PROVIDER_UNAVAILABLE", true);
        }
        count(delivery, "gated");
    }

    private void record(OutboundDelivery delivery, DeliveryOutcome outcome, int millis) {
        if (outcome instanceof DeliveryOutcome.Sent sent) {
            boolean settled = update(delivery, "SENT", null, null, null, null, sent.providerId(), Duration.ZERO);
            attempt(delivery, "SENT", sent.statusCode(), millis, sent.detail());
            if (settled) {
                settle(delivery, null, false);
            }
        } else if (outcome instanceof DeliveryOutcome.Permanent permanent) {
            boolean settled = update(delivery, "FAILED", permanent.code(), permanent.message(), false, null, null, Duration.ZERO);
            attempt(delivery, "PERMANENT", permanent.statusCode(), millis, permanent.message());
            if (settled) {
                settle(delivery, permanent.code(), false);
            }
        } else if (outcome instanceof DeliveryOutcome.Transient failure) {
            Duration delay = retries.delayBefore(delivery.attempt() + 1, failure.retryAfter());
            boolean tooOld = delivery.createdAt().plus(retries.giveUpAfter()).isBefore(java.time.Instant.now().plus(delay));
            boolean settled = update(delivery, tooOld ? "FAILED" : "PENDING", failure.code(), failure.message(), true, null, null, delay);
            attempt(delivery, "TRANSIENT", failure.statusCode(), millis, failure.message());
            if (settled && tooOld) {
                settle(delivery, failure.code(), true);
            }
        }
        count(delivery, outcome instanceof DeliveryOutcome.Sent ? "sent" : outcome instanceof DeliveryOutcome.Permanent ? "failed"
                : "retried");
    }

    private void settle(OutboundDelivery delivery, String errorCode, boolean retryable) {
        try {
            if (settleSavepoint != null && org.springframework.transaction.support.TransactionSynchronizationManager.isActualTransactionActive()) {
                // Behind a savepoint: a follow-up that fails must not take the recorded outcome down with it.
                settleSavepoint.executeWithoutResult(status -> transports.get(delivery.channel()).settled(delivery, errorCode, retryable));
            } else {
                transports.get(delivery.channel()).settled(delivery, errorCode, retryable);
            }
        } catch (RuntimeException e) {
            log.warn("The {} transport could not follow up delivery {}: {}", delivery.channel(), delivery.deliveryId(), e.toString());
        }
    }

    /** Whether the outcome was recorded (false: the lease was lost meanwhile, and another node owns the delivery now). */
    private boolean update(OutboundDelivery delivery, String status, String code, String message, Boolean retryable, String reason,
            String providerId, Duration delay) {
        return jdbc.sql("UPDATE outbound_delivery SET status = :status, reason = :reason, error_code = :code, error_message = :message, "
                        + "retryable = :retryable, provider_id = coalesce(:provider, provider_id), "
                        + "sent_at = CASE WHEN :status = 'SENT' THEN now() ELSE sent_at END, "
                        + "due_at = now() + make_interval(secs => :delay), lease_owner = NULL, lease_until = NULL, updated_at = now() "
                        + "WHERE delivery_id = :id AND lease_owner = :node AND attempts = :attempt")
                .param("attempt", delivery.attempt()).param("status", status).param("reason", reason).param("code", code).param("message", truncate(message, 1000))
                .param("retryable", retryable).param("provider", providerId).param("delay", delay.toMillis() / 1000.0)
                .param("id", delivery.deliveryId()).param("node", node).update() > 0;
    }

    private void attempt(OutboundDelivery delivery, String outcome, Integer statusCode, int millis, String detail) {
        jdbc.sql("INSERT INTO outbound_attempt (delivery_id, attempt, at, outcome, status_code, duration_ms, detail) "
                        + "VALUES (:id, :attempt, now(), :outcome, :status, :millis, :detail) ON CONFLICT DO NOTHING")
                .param("id", delivery.deliveryId()).param("attempt", delivery.attempt()).param("outcome", outcome)
                .param("status", statusCode).param("millis", millis).param("detail", truncate(detail, DETAIL_CHARS)).update();
    }

    private void count(OutboundDelivery delivery, String outcome) {
        meters.counter("picflow.outbound.deliveries", "channel", delivery.channel(), "outcome", outcome).increment();
    }

    private static String truncate(String text, int chars) {
        return text == null || text.length() <= chars ? text : text.substring(0, chars);
    }

    @Override
    public void close() {
        running = false;
        wakeUp();
        try {
            looker.join(5_000); // no claim after this: what is claimed is in the senders' queues
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.values().forEach(ExecutorService::shutdown);
        for (ExecutorService sender : senders.values()) {
            try {
                sender.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
