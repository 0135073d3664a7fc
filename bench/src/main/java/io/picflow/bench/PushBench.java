package io.picflow.bench;

import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import io.picflow.bench.NotificationsBench.Stats;
import io.picflow.bench.NotificationsDatabase.Favorite;
import io.picflow.bench.NotificationsDatabase.SourceEvent;
import io.picflow.bench.ProviderSink.Receipt;
import io.picflow.bench.PushDatabase.Delivery;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Push and SMS (issue 19; see bench/README.md, "Push and SMS"): {@code UserFavorited} events appended straight into the
 * event store become FAVORITED notifications, pushed through FCM HTTP v1 to every device of their recipient, or texted
 * through a Twilio-shaped API, both providers being this client's own ({@link ProviderSink}, answering after
 * {@code --fcm-delay-ms} / {@code --sms-delay-ms}).
 *
 * <ol>
 *   <li>Push: {@code --pushes} deliveries ({@code --pushes}/{@code --devices} events, appended in one transaction, to
 *       users with {@code --devices} devices each); deliveries per second at the FCM sink and latency from the source
 *       event to the sink receiving the call.</li>
 *   <li>SMS alone: {@code --sms} events at {@code --sms-rate}/s, one transaction each; SMS per second and latency.
 *       {@code --repeats} times.</li>
 *   <li>The same, while the FCM sink fails every second call with 503 under push events at {@code --mixed-push-rate}/s;
 *       {@code --repeats} times. The medians are compared with (2)'s.</li>
 * </ol>
 * Baseline of the same run: PostgreSQL's single-row INSERT ceiling.
 */
public final class PushBench {

    static final double TARGET_PUSHES_PER_SECOND = 1000;
    static final double TARGET_THROUGHPUT_RATIO = 0.8;
    static final double TARGET_P99_RATIO = 1.5;
    static final String PUSH = "push";
    static final String SMS = "sms";
    /** How long the service may take to record as SENT what the provider already accepted. */
    private static final int RECORDED_TIMEOUT_SECONDS = 60;

    private static final String USAGE = """
            usage: PushBench --base-url http://127.0.0.1:PORT --jwt-secret-file FILE --fcm-port PORT --sms-port PORT
                             --jdbc-url jdbc:postgresql://127.0.0.1:PORT/postgres [options]
              --fcm-port PORT         where this client's FCM sink listens (the service's fcm.base-url and token_uri)
              --sms-port PORT         where its Twilio-shaped sink listens (the service's sms.base-url)
              --fcm-project ID        the service's fcm.project-id (default picflow-bench)
              --sms-account-sid SID   the service's sms.account-sid (default ACbench00000000000000000000000000)
              --fcm-delay-ms N        the FCM sink answers each call after this long (default 50)
              --sms-delay-ms N        the SMS sink answers each call after this long (default 50)
              --push-users N          users with devices, FAVORITED push on (default 1000)
              --devices N             devices per push user: deliveries per notification (default 5)
              --pushes N              push deliveries of scenario 1, a multiple of --devices (default 10000)
              --sms-users N           users with a verified phone, FAVORITED SMS on (default 400)
              --sms N                 SMS per run of scenarios 2 and 3 (default 2000)
              --sms-rate N            SMS source events per second offered (default 100)
              --mixed-push-rate N     push source events per second offered in scenario 3, alongside (default 50)
              --repeats N             runs of scenarios 2 and 3 each; the medians are compared (default 3)
              --concurrency N         registrations at a time (default 32)
              --push-timeout S        scenario 1: longest wait for every push after the commit (default 300)
              --sms-timeout S         scenarios 2, 3: longest wait for every SMS after the last append (default 120)
              --drain-timeout S       after scenario 3: longest wait for its push deliveries to settle (default 120)
            """ + WorkMeter.Options.USAGE;

    /** The command line. {@code meter}'s JDBC URL is required: the events are appended through it. */
    record Settings(URI base, Path secretFile, int fcmPort, int smsPort, String fcmProject, String smsAccountSid, int fcmDelayMillis,
            int smsDelayMillis, int pushUsers, int devices, int pushes, int smsUsers, int sms, int smsRate, int mixedPushRate,
            int repeats, int concurrency, int pushTimeout, int smsTimeout, int drainTimeout, String metricsUrl,
            WorkMeter.Options meter) {

        static Settings parse(String[] args) {
            Map<String, String> values = BenchSupport.options(args);
            URI base = BenchSupport.baseUrl(values);
            String secretFile = values.remove("jwt-secret-file");
            if (secretFile == null) {
                throw new IllegalArgumentException("--jwt-secret-file is required");
            }
            int fcmPort = port(values, "fcm-port");
            int smsPort = port(values, "sms-port");
            String project = values.getOrDefault("fcm-project", "picflow-bench");
            values.remove("fcm-project");
            String sid = values.getOrDefault("sms-account-sid", "ACbench00000000000000000000000000");
            values.remove("sms-account-sid");
            // No idle phase by default (the other scripts measure it), and a shorter wait for quiet: scenario 3 leaves
            // push deliveries held behind an open breaker.
            values.putIfAbsent("idle-seconds", "0");
            values.putIfAbsent("quiet-timeout", "120");
            String metricsUrl = values.get("metrics-url");
            Settings settings = new Settings(base, Path.of(secretFile), fcmPort, smsPort, project, sid,
                    atLeast(values, "fcm-delay-ms", 50, 0), atLeast(values, "sms-delay-ms", 50, 0),
                    atLeast(values, "push-users", 1000, 2), atLeast(values, "devices", 5, 1), atLeast(values, "pushes", 10_000, 1),
                    atLeast(values, "sms-users", 400, 2), atLeast(values, "sms", 2000, 2), atLeast(values, "sms-rate", 100, 1),
                    atLeast(values, "mixed-push-rate", 50, 0), atLeast(values, "repeats", 3, 1), atLeast(values, "concurrency", 32, 1),
                    atLeast(values, "push-timeout", 300, 1), atLeast(values, "sms-timeout", 120, 1),
                    atLeast(values, "drain-timeout", 120, 1), metricsUrl, WorkMeter.Options.parse(values));
            BenchSupport.rejectUnknown(values);
            if (settings.meter().jdbcUrl() == null) {
                throw new IllegalArgumentException("--jdbc-url is required: the events are appended through the database");
            }
            if (settings.pushes() % settings.devices() != 0) {
                throw new IllegalArgumentException(format("--pushes %d is not a multiple of --devices %d", settings.pushes(),
                        settings.devices()));
            }
            return settings;
        }

        int pushEvents() {
            return pushes / devices;
        }

        private static int port(Map<String, String> values, String name) {
            Integer port = BenchSupport.number(values, name, Integer::parseInt);
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException("--" + name + " is required (1-65535)");
            }
            return port;
        }

        private static int atLeast(Map<String, String> values, String name, int fallback, int min) {
            Integer parsed = BenchSupport.number(values, name, Integer::parseInt);
            if (parsed != null && parsed < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + parsed);
            }
            return parsed == null ? fallback : parsed;
        }
    }

    /**
     * Scenario 1: {@code events} notifications of {@code expected} push deliveries, committed at {@code committedNanos};
     * the sink accepted {@code accepted} ({@code complete}: all within the timeout), the first answered at
     * {@code firstNanos}, the last at {@code lastNanos}, after {@code calls} calls. {@code latency}: source event to the
     * sink receiving the call, of the {@code matched} receipts; {@code sentSpanSeconds}: first to last sent_at recorded.
     */
    record PushRun(int events, int expected, int accepted, long calls, boolean complete, long committedNanos, long firstNanos,
            long lastNanos, Stats latency, int matched, int recordedSent, double sentSpanSeconds, Map<String, Integer> statuses,
            int distinctDevices, WorkMeter.Work work) {

        double perSecond() {
            return accepted > 1 && lastNanos > firstNanos ? (accepted - 1) / ((lastNanos - firstNanos) / 1e9) : Double.NaN;
        }

        double fromCommitPerSecond() {
            return accepted > 0 ? accepted / ((lastNanos - committedNanos) / 1e9) : Double.NaN;
        }

        double recordedPerSecond() {
            return recordedSent > 1 && sentSpanSeconds > 0 ? (recordedSent - 1) / sentSpanSeconds : Double.NaN;
        }
    }

    /**
     * One run of scenario 2 ({@code mixed} false) or 3: {@code sms} SMS events paced at the offered rate (achieved:
     * {@code offeredPerSecond}), with {@code pushEvents} push events among them; SMS accepted by the sink
     * ({@code complete}: all within the timeout) from the first append ({@code startNanos}) to the last acceptance
     * ({@code lastNanos}); latency from the source event to the sink receiving the call, and to sent_at as recorded.
     * For the push side: calls, accepted, failed (503), and the statuses of its deliveries at the end of the run.
     */
    record SmsRun(int index, boolean mixed, int sms, int accepted, boolean complete, long startNanos, long lastNanos,
            double offeredPerSecond, double maxLateMillis, Stats latency, int matched, Stats recorded, int pushEvents, long pushCalls,
            long pushAccepted, long pushFailed, Map<String, Integer> pushStatuses, List<String> pushNotifications) {

        double perSecond() {
            return accepted > 0 && lastNanos > startNanos ? accepted / ((lastNanos - startNanos) / 1e9) : Double.NaN;
        }

        String name() {
            return (mixed ? "SMS with FCM failing half" : "SMS alone") + ", run " + index;
        }
    }

    /** A source event to append at {@code dueNanos} after the start: an SMS one or a push one. */
    private record Scheduled(long dueNanos, Favorite favorite, boolean sms) {
    }

    /** The appends of a paced run: the events in order, which were SMS, and the rate achieved. */
    private record Paced(List<SourceEvent> smsEvents, List<SourceEvent> pushEvents, long startNanos, double offeredPerSecond,
            double maxLateMillis) {
    }

    private final Settings settings;
    private final String secret;
    private final ProviderSink fcm;
    private final ProviderSink twilio;
    private final WorkMeter meter;
    private final NotificationsDatabase events;
    private final PushDatabase db;
    private final HttpClient http = BenchSupport.httpClient();
    private final Random random = new Random(20261206);
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private PushBench(Settings settings, String secret, ProviderSink fcm, ProviderSink twilio, WorkMeter meter,
            NotificationsDatabase events, PushDatabase db) {
        this.settings = settings;
        this.secret = secret;
        this.fcm = fcm;
        this.twilio = twilio;
        this.meter = meter;
        this.events = events;
        this.db = db;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = BenchSupport.parseOrExit(args, Settings::parse, USAGE);
        String secret = Files.readString(settings.secretFile()).trim();
        // The providers first: the service was started with their ports, and sends as soon as the first event is appended.
        try (ProviderSink fcm = ProviderSink.fcm(settings.fcmPort(), settings.fcmProject(), settings.fcmDelayMillis());
                ProviderSink twilio = ProviderSink.twilio(settings.smsPort(), settings.smsAccountSid(), settings.smsDelayMillis());
                WorkMeter meter = WorkMeter.open(settings.meter());
                NotificationsDatabase events = NotificationsDatabase.open(settings.meter());
                PushDatabase db = PushDatabase.open(settings.meter())) {
            new PushBench(settings, secret, fcm, twilio, meter, events, db).run();
        }
        System.exit(0); // in case an HTTP client thread lingers
    }

    private void run() throws Exception {
        WorkMeter.Work idle = null;
        if (meter.options().idleSeconds() > 0) {
            progress("idle: waiting for quiet, then %d s without requests", meter.options().idleSeconds());
            idle = meter.idle(meter.options().idleSeconds());
        }
        List<String> pushUsers = ids("push", settings.pushUsers());
        List<String> smsUsers = ids("sms", settings.smsUsers());
        List<String> everyone = new ArrayList<>(pushUsers);
        everyone.addAll(smsUsers);
        FavoritesBench.Phase registration = register(everyone);
        FavoritesBench.Phase devices = registerDevices(pushUsers);
        db.enablePush(pushUsers);
        Map<String, String> phones = new LinkedHashMap<>();
        for (int i = 0; i < smsUsers.size(); i++) {
            phones.put(smsUsers.get(i), format("+49151%08d", i));
        }
        db.enableSms(phones);
        progress("%d push users with %d devices each, %d SMS users with a verified phone", pushUsers.size(), settings.devices(),
                smsUsers.size());

        PushRun push = push(pushUsers, everyone);

        List<SmsRun> solo = new ArrayList<>();
        for (int r = 1; r <= settings.repeats(); r++) {
            meter.awaitQuiet();
            solo.add(sms(r, false, smsUsers, pushUsers, everyone));
        }
        Map<String, Double> metricsBefore = serviceMetrics();
        long mixedBegan = System.nanoTime();
        List<SmsRun> mixed = new ArrayList<>();
        meter.awaitQuiet();
        fcm.failHalf(true);
        for (int r = 1; r <= settings.repeats(); r++) {
            mixed.add(sms(r, true, smsUsers, pushUsers, everyone));
            TimeUnit.SECONDS.sleep(2);
        }
        Map<String, Double> metricsAfter = serviceMetrics();
        double mixedSeconds = (System.nanoTime() - mixedBegan) / 1e9;
        fcm.failHalf(false);
        Drain drain = drain(mixed);

        meter.awaitQuiet();
        InsertCeiling.Result[] inserts = InsertCeiling.measureBoth(meter);

        PrintStream out = System.out;
        report(out, registration, devices, push, solo, mixed, drain, difference(metricsBefore, metricsAfter), mixedSeconds, inserts[0]);
        meter.report(out, idle, meter.rows(List.of(push.work())), inserts[0], inserts[1]);
    }

    // ---------------------------------------------------------------- set-up

    private List<String> ids(String kind, int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add("psh-" + run + "-" + kind + "-" + i);
        }
        return ids;
    }

    private List<String> tokens(List<String> ids) throws Exception {
        List<String> tokens = new ArrayList<>(ids.size());
        for (String id : ids) {
            tokens.add(FavoritesBench.token(id, secret));
        }
        return tokens;
    }

    private FavoritesBench.Phase register(List<String> ids) throws Exception {
        List<String> tokens = tokens(ids);
        progress("registering %d users, %d at a time", ids.size(), settings.concurrency());
        FavoritesBench.Phase phase = FavoritesBench.phase(settings.concurrency(), ids.size(), i -> FavoritesBench.post(http,
                settings.base(), "/api/users", tokens.get(i), "{\"displayName\":\"User " + i + "\"}"));
        if (phase.failures() > 0) {
            throw new IllegalStateException(phase.failures() + " of " + ids.size() + " registrations were not answered 202");
        }
        return phase;
    }

    /** {@code --devices} FCM devices per push user, {@code POST /api/users/me/devices}; every one must be answered 201. */
    private FavoritesBench.Phase registerDevices(List<String> users) throws Exception {
        List<String> tokens = tokens(users);
        int d = settings.devices();
        int n = users.size() * d;
        AtomicReference<String> firstProblem = new AtomicReference<>();
        progress("registering %d devices (%d per push user), %d at a time", n, d, settings.concurrency());
        FavoritesBench.Phase phase = FavoritesBench.phase(settings.concurrency(), n, i -> {
            int user = i / d;
            String body = "{\"platform\":\"fcm\",\"token\":\"" + deviceToken(users.get(user), i % d) + "\"}";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(settings.base().resolve("/api/users/me/devices"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + tokens.get(user))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                firstProblem.compareAndSet(null, response.statusCode() + " " + BenchSupport.abbreviate(response.body()));
                return response.statusCode();
            }
            return 202; // the phase counts anything else as a failure
        });
        if (phase.failures() > 0) {
            throw new IllegalStateException(phase.failures() + " of " + n + " device registrations were not answered 201; first: "
                    + firstProblem.get());
        }
        return phase;
    }

    /** An FCM registration token: long and URL-safe like a real one, unique per user and device. */
    private static String deviceToken(String user, int device) {
        return "bench" + device + ":" + NotificationsDatabase.sha256(user + "/" + device) + "_APA91b";
    }

    // ---------------------------------------------------------------- scenario 1: push

    private PushRun push(List<String> pushUsers, List<String> everyone) throws Exception {
        int n = settings.pushEvents();
        int expected = settings.pushes();
        List<Favorite> favorites = new ArrayList<>(n);
        List<String> recipients = new ArrayList<>(pushUsers);
        Collections.shuffle(recipients, random);
        for (int i = 0; i < n; i++) {
            String target = recipients.get(i % recipients.size());
            favorites.add(new Favorite(actorOtherThan(target, everyone), target));
        }
        WorkMeter.Phase metered = meter.begin(format("push: %d deliveries, %d events appended at once", expected, n));
        int from = fcm.size();
        int base = fcm.accepted();
        long calls = fcm.sendCalls();
        progress("push: appending %d UserFavorited events (%d devices each) in one transaction", n, settings.devices());
        NotificationsDatabase.Appended appended = events.appendTogether(favorites);
        progress("push: committed; waiting up to %d s for %d deliveries", settings.pushTimeout(), expected);
        boolean complete = fcm.awaitAccepted(base + expected,
                appended.committedNanos() + TimeUnit.SECONDS.toNanos(settings.pushTimeout()));
        metered.last();
        List<Receipt> receipts = accepted(fcm.since(from));
        long first = receipts.isEmpty() ? appended.committedNanos() : receipts.get(0).answeredNanos();
        long last = receipts.isEmpty() ? System.nanoTime() : receipts.get(receipts.size() - 1).answeredNanos();
        progress("push: %d of %d deliveries accepted in %.1f s after the commit", receipts.size(), expected,
                (last - appended.committedNanos()) / 1e9);
        metered.note("the counters include the client's append, 1 transaction of " + n + " inserts");
        WorkMeter.Work work = metered.end("push delivery", receipts.size(), (last - appended.committedNanos()) / 1e9);

        List<String> notifications = appended.events().stream().map(SourceEvent::notificationId).toList();
        List<Delivery> deliveries = db.awaitSent(PUSH, notifications, expected, RECORDED_TIMEOUT_SECONDS);
        List<Double> latency = latencies(receipts, deliveries, appended.events());
        double firstSent = Double.NaN;
        double lastSent = Double.NaN;
        int sent = 0;
        for (Delivery delivery : deliveries) {
            if ("SENT".equals(delivery.status()) && !Double.isNaN(delivery.sentMillis())) {
                sent++;
                firstSent = Double.isNaN(firstSent) ? delivery.sentMillis() : Math.min(firstSent, delivery.sentMillis());
                lastSent = Double.isNaN(lastSent) ? delivery.sentMillis() : Math.max(lastSent, delivery.sentMillis());
            }
        }
        long distinct = receipts.stream().map(Receipt::to).distinct().count();
        return new PushRun(n, expected, receipts.size(), fcm.sendCalls() - calls, complete, appended.committedNanos(), first, last,
                Stats.of(latency), latency.size(), sent, (lastSent - firstSent) / 1000.0, PushDatabase.statuses(deliveries),
                (int) distinct, work);
    }

    private String actorOtherThan(String target, List<String> everyone) {
        while (true) {
            String actor = everyone.get(random.nextInt(everyone.size()));
            if (!actor.equals(target)) {
                return actor;
            }
        }
    }

    private static List<Receipt> accepted(List<Receipt> receipts) {
        List<Receipt> accepted = new ArrayList<>(receipts.size());
        for (Receipt receipt : receipts) {
            if (receipt.accepted()) {
                accepted.add(receipt);
            }
        }
        return accepted;
    }

    /**
     * Source event to the provider receiving the call, for each accepted receipt whose id the service recorded as a
     * delivery's provider_id (the whole id, or its last path segment: FCM's name is projects/p/messages/id).
     */
    private static List<Double> latencies(List<Receipt> receipts, List<Delivery> deliveries, List<SourceEvent> sources) {
        Map<String, Long> eventMillis = new HashMap<>(sources.size() * 2);
        for (SourceEvent event : sources) {
            eventMillis.put(event.notificationId(), event.epochMillis());
        }
        Map<String, String> notificationByProviderId = new HashMap<>(deliveries.size() * 2);
        for (Delivery delivery : deliveries) {
            if (delivery.providerId() != null) {
                String id = delivery.providerId();
                notificationByProviderId.put(id.substring(id.lastIndexOf('/') + 1), delivery.notificationId());
            }
        }
        List<Double> millis = new ArrayList<>(receipts.size());
        for (Receipt receipt : receipts) {
            String notification = notificationByProviderId.get(receipt.providerId());
            Long at = notification == null ? null : eventMillis.get(notification);
            if (at != null) {
                millis.add((double) (receipt.receivedMillis() - at));
            }
        }
        return millis;
    }

    // ---------------------------------------------------------------- scenarios 2 and 3: SMS

    private SmsRun sms(int index, boolean mixed, List<String> smsUsers, List<String> pushUsers, List<String> everyone)
            throws Exception {
        int n = settings.sms();
        int pushEvents = mixed ? (int) ((long) settings.mixedPushRate() * n / settings.smsRate()) : 0;
        List<Scheduled> schedule = new ArrayList<>(n + pushEvents);
        for (int i = 0; i < n; i++) {
            String target = smsUsers.get((index * 7 + i) % smsUsers.size());
            schedule.add(new Scheduled(i * 1_000_000_000L / settings.smsRate(), new Favorite(actorOtherThan(target, everyone), target),
                    true));
        }
        for (int i = 0; i < pushEvents; i++) {
            String target = pushUsers.get(random.nextInt(pushUsers.size()));
            // Offset by half an interval so that the two kinds interleave rather than collide.
            schedule.add(new Scheduled(i * 1_000_000_000L / settings.mixedPushRate() + 500_000_000L / settings.mixedPushRate(),
                    new Favorite(actorOtherThan(target, everyone), target), false));
        }
        schedule.sort((a, b) -> Long.compare(a.dueNanos(), b.dueNanos()));
        String name = (mixed ? "SMS with FCM failing half" : "SMS alone") + ", run " + index;
        int from = twilio.size();
        int base = twilio.accepted();
        int fcmFrom = fcm.size();
        progress("%s: %d SMS events at %d/s%s", name, n, settings.smsRate(),
                mixed ? format(" and %d push events at %d/s (%d deliveries)", pushEvents, settings.mixedPushRate(),
                        pushEvents * settings.devices()) : "");
        Paced paced = appendPaced(schedule);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.smsTimeout());
        boolean complete = twilio.awaitAccepted(base + n, deadline);
        List<Receipt> receipts = accepted(twilio.since(from));
        long last = receipts.isEmpty() ? System.nanoTime() : receipts.get(receipts.size() - 1).answeredNanos();
        List<String> notifications = paced.smsEvents().stream().map(SourceEvent::notificationId).toList();
        List<Delivery> deliveries = db.awaitSent(SMS, notifications, n, complete ? RECORDED_TIMEOUT_SECONDS : 5);
        List<Double> latency = latencies(receipts, deliveries, paced.smsEvents());
        Map<String, Long> eventMillis = new HashMap<>();
        for (SourceEvent event : paced.smsEvents()) {
            eventMillis.put(event.notificationId(), event.epochMillis());
        }
        List<Double> recorded = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            Long at = eventMillis.get(delivery.notificationId());
            if ("SENT".equals(delivery.status()) && !Double.isNaN(delivery.sentMillis()) && at != null) {
                recorded.add(delivery.sentMillis() - at);
            }
        }
        List<Receipt> pushReceipts = fcm.since(fcmFrom);
        long pushAccepted = pushReceipts.stream().filter(Receipt::accepted).count();
        List<String> pushNotifications = paced.pushEvents().stream().map(SourceEvent::notificationId).toList();
        Map<String, Integer> pushStatuses = pushNotifications.isEmpty() ? Map.of()
                : PushDatabase.statuses(db.deliveries(PUSH, pushNotifications));
        SmsRun result = new SmsRun(index, mixed, n, receipts.size(), complete, paced.startNanos(), last, paced.offeredPerSecond(),
                paced.maxLateMillis(), Stats.of(latency), latency.size(), Stats.of(recorded), pushEvents, pushReceipts.size(),
                pushAccepted, pushReceipts.size() - pushAccepted, pushStatuses, pushNotifications);
        progress("%s: %d of %d SMS, %.1f/s, p99 %.0f ms%s", name, receipts.size(), n, result.perSecond(), result.latency().p99(),
                mixed ? format("; FCM: %d calls, %d accepted, push deliveries %s", pushReceipts.size(), pushAccepted, pushStatuses)
                        : "");
        return result;
    }

    /** One append every scheduled time against absolute deadlines: a late one does not push the later ones back. */
    private Paced appendPaced(List<Scheduled> schedule) throws SQLException {
        List<SourceEvent> smsEvents = new ArrayList<>();
        List<SourceEvent> pushEvents = new ArrayList<>();
        long maxLate = 0;
        long start = System.nanoTime();
        long lastSmsStart = start;
        for (Scheduled scheduled : schedule) {
            long due = start + scheduled.dueNanos();
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            long began = System.nanoTime();
            maxLate = Math.max(maxLate, began - due);
            SourceEvent event = events.appendOne(scheduled.favorite());
            if (scheduled.sms()) {
                smsEvents.add(event);
                lastSmsStart = began;
            } else {
                pushEvents.add(event);
            }
        }
        double offered = smsEvents.size() > 1 ? (smsEvents.size() - 1) / ((lastSmsStart - start) / 1e9) : Double.NaN;
        return new Paced(smsEvents, pushEvents, start, offered, maxLate / 1e6);
    }

    /** What became of scenario 3's push deliveries: at the end of its last run, and after the FCM sink healed. */
    record Drain(int deliveries, Map<String, Integer> atEnd, Map<String, Integer> afterwards, double seconds, boolean settled) {
    }

    /** With the FCM sink healthy again, waits up to {@code --drain-timeout} for scenario 3's push deliveries to settle. */
    private Drain drain(List<SmsRun> mixed) throws Exception {
        List<String> notifications = new ArrayList<>();
        mixed.forEach(run -> notifications.addAll(run.pushNotifications()));
        if (notifications.isEmpty()) {
            return new Drain(0, Map.of(), Map.of(), 0, true);
        }
        Map<String, Integer> atEnd = PushDatabase.statuses(db.deliveries(PUSH, notifications));
        progress("scenario 3's push deliveries at its end: %s; FCM healthy again, waiting up to %d s for them to settle", atEnd,
                settings.drainTimeout());
        long began = System.nanoTime();
        long deadline = began + TimeUnit.SECONDS.toNanos(settings.drainTimeout());
        while (true) {
            List<Delivery> deliveries = db.deliveries(PUSH, notifications);
            boolean settled = deliveries.stream().noneMatch(d -> "PENDING".equals(d.status()) || "HELD".equals(d.status()));
            if (settled || System.nanoTime() - deadline > 0) {
                Map<String, Integer> afterwards = PushDatabase.statuses(deliveries);
                progress("after %.0f s: %s", (System.nanoTime() - began) / 1e9, afterwards);
                return new Drain(deliveries.size(), atEnd, afterwards, (System.nanoTime() - began) / 1e9, settled);
            }
            TimeUnit.SECONDS.sleep(1);
        }
    }

    // ---------------------------------------------------------------- the fcm breaker, from the service's metrics

    /**
     * The service's counters that tell what scenario 3 cost, by series: the {@code fcm} breaker's (transitions, calls
     * and calls not permitted), the outbound engine's deliveries by channel and outcome ({@code gated}: held by the
     * breaker), and its transactions by source. Empty without {@code --metrics-url}.
     */
    private Map<String, Double> serviceMetrics() {
        Map<String, Double> series = new TreeMap<>();
        if (settings.metricsUrl() == null) {
            return series;
        }
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(settings.metricsUrl())).timeout(Duration.ofSeconds(10)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                String metric = line.contains("{") ? line.substring(0, line.indexOf('{')) : line;
                boolean breaker = line.contains("name=\"fcm\"")
                        && (metric.endsWith("_total") || metric.endsWith("circuitbreaker_calls_seconds_count"));
                boolean wanted = breaker || metric.equals("picflow_outbound_deliveries_total")
                        || metric.equals("picflow_db_transactions_total");
                if (line.startsWith("#") || !wanted) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                try {
                    series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        } catch (Exception e) {
            progress("could not read the service's metrics: %s", e);
        }
        return series;
    }

    private static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> changed = new TreeMap<>();
        after.forEach((series, value) -> {
            double delta = value - before.getOrDefault(series, 0.0);
            if (delta != 0) {
                changed.put(series, delta);
            }
        });
        return changed;
    }

    // ---------------------------------------------------------------- report

    private void report(PrintStream out, FavoritesBench.Phase registration, FavoritesBench.Phase devices, PushRun push,
            List<SmsRun> solo, List<SmsRun> mixed, Drain drain, Map<String, Double> metrics, double mixedSeconds,
            InsertCeiling.Result ceiling) {
        double inserts = ceiling == null ? Double.NaN : ceiling.insertsPerSecond();
        out.println("# Push and SMS benchmark (" + Instant.now() + ")");
        out.println();
        out.println(format("Set-up: %d push users with %d FCM devices each (POST /api/users/me/devices, %.0f/s at concurrency %d)"
                        + " and %d SMS users with a verified phone, registered with POST /api/users (%.0f/s); preferences the"
                        + " defaults with FAVORITED push (or SMS) on, immediate. UserFavorited events are appended to"
                        + " domain_event_entry with a NOTIFY. The client's FCM sink (127.0.0.1:%d, OAuth token endpoint and"
                        + " messages:send) answers each call after %d ms, its Twilio-shaped SMS sink (127.0.0.1:%d) after %d ms."
                        + " Latencies start at the source event's time_stamp and end when the sink has read the call.",
                settings.pushUsers(), settings.devices(), devices.requests() / devices.seconds(), settings.concurrency(),
                settings.smsUsers(), registration.requests() / registration.seconds(), fcm.port(), fcm.delayMillis(), twilio.port(),
                twilio.delayMillis()));
        out.println();

        double soloRate = median(solo.stream().map(SmsRun::perSecond).toList());
        double soloP99 = median(solo.stream().map(r -> r.latency().p99()).toList());
        double mixedRate = median(mixed.stream().map(SmsRun::perSecond).toList());
        double mixedP99 = median(mixed.stream().map(r -> r.latency().p99()).toList());
        boolean soloComplete = solo.stream().allMatch(r -> r.complete() && r.matched() == r.sms());
        boolean mixedComplete = mixed.stream().allMatch(r -> r.complete() && r.matched() == r.sms());

        out.println("| scenario | count | per second | % of INSERT ceiling | p50 ms | p99 ms | max ms | target | met? |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---|---|");
        row(out, format("1. push: %d deliveries (%d notifications x %d devices) appended at once, first to last accepted by the"
                        + " FCM sink (latency: source event to the sink)", push.expected(), push.events(), settings.devices()),
                push.accepted(), push.perSecond(), inserts, push.latency().cells(0),
                format(">= %.0f deliveries/s", TARGET_PUSHES_PER_SECOND),
                verdict(push.complete(), push.perSecond() >= TARGET_PUSHES_PER_SECOND, push.accepted(), push.expected()));
        row(out, "1. push: from the commit to the last accepted", push.accepted(), push.fromCommitPerSecond(), inserts, "- | - | -",
                "", "");
        row(out, "1. push: first to last sent_at recorded SENT (database)", push.recordedSent(), push.recordedPerSecond(), inserts,
                "- | - | -", "", "");
        for (SmsRun r : solo) {
            smsRow(out, r, inserts);
        }
        for (SmsRun r : mixed) {
            smsRow(out, r, inserts);
        }
        row(out, format("2. SMS alone, median of %d", solo.size()), solo.get(0).sms(), soloRate, inserts,
                "- | " + WorkMeter.number(soloP99, 0) + " | -", "", "");
        row(out, format("3. SMS with FCM failing half, median of %d", mixed.size()), mixed.get(0).sms(), mixedRate, inserts,
                "- | " + WorkMeter.number(mixedP99, 0) + " | -", "", "");
        out.println();

        out.println("| target | measured | met? |");
        out.println("|---|---:|---|");
        out.println(format("| push >= %.0f deliveries/s (scenario 1, first to last at the sink) | %s/s | %s |",
                TARGET_PUSHES_PER_SECOND, WorkMeter.number(push.perSecond(), 1),
                verdict(push.complete(), push.perSecond() >= TARGET_PUSHES_PER_SECOND, push.accepted(), push.expected())));
        double rateRatio = mixedRate / soloRate;
        double p99Ratio = mixedP99 / soloP99;
        out.println(format("| SMS throughput with FCM failing half >= %.1fx alone (medians) | %sx (%s / %s per s) | %s |",
                TARGET_THROUGHPUT_RATIO, WorkMeter.number(rateRatio, 2), WorkMeter.number(mixedRate, 1),
                WorkMeter.number(soloRate, 1), completeVerdict(soloComplete && mixedComplete, rateRatio >= TARGET_THROUGHPUT_RATIO)));
        out.println(format("| SMS p99 with FCM failing half <= %.1fx alone (medians) | %sx (%s / %s ms) | %s |", TARGET_P99_RATIO,
                WorkMeter.number(p99Ratio, 2), WorkMeter.number(mixedP99, 0), WorkMeter.number(soloP99, 0),
                completeVerdict(soloComplete && mixedComplete, p99Ratio <= TARGET_P99_RATIO)));
        out.println();

        notes(out, push, solo, mixed, drain, metrics, mixedSeconds);
        out.println("Baseline of this run:");
        out.println();
        InsertCeiling.print(out, ceiling);
        out.println(format("- push deliveries/s (%s) = %s of the INSERT ceiling; SMS alone (%s/s) = %s",
                WorkMeter.number(push.perSecond(), 1), WorkMeter.percent(push.perSecond(), inserts), WorkMeter.number(soloRate, 1),
                WorkMeter.percent(soloRate, inserts)));
        out.println();
    }

    private void smsRow(PrintStream out, SmsRun r, double inserts) {
        String prefix = r.mixed() ? "3. " : "2. ";
        row(out, prefix + r.name() + format(": %d at %d/s offered, first append to last accepted (latency: source event to the"
                + " sink)", r.sms(), settings.smsRate()), r.accepted(), r.perSecond(), inserts, r.latency().cells(0), "", "");
    }

    private void notes(PrintStream out, PushRun push, List<SmsRun> solo, List<SmsRun> mixed, Drain drain,
            Map<String, Double> metrics, double mixedSeconds) {
        out.println(format("- scenario 1: %d events committed in one transaction; the FCM sink got %d calls (%d distinct devices)"
                        + " and accepted %d%s; latency matched for %d (by the provider id the service recorded); recorded in"
                        + " outbound_delivery: %s. The latencies include the wait behind the whole backlog.",
                push.events(), push.calls(), push.distinctDevices(), push.accepted(),
                push.complete() ? "" : format(" (not all within %d s)", settings.pushTimeout()), push.matched(), push.statuses()));
        List<SmsRun> all = new ArrayList<>(solo);
        all.addAll(mixed);
        for (SmsRun r : all) {
            out.println(format("- %s: offered %.1f SMS/s achieved (each append at most %.1f ms late); %d of %d accepted%s, %d matched;"
                            + " source event to sent_at (database) p50 %s, p99 %s ms%s",
                    r.name(), r.offeredPerSecond(), r.maxLateMillis(), r.accepted(), r.sms(),
                    r.complete() ? "" : format(" (not all within %d s)", settings.smsTimeout()), r.matched(),
                    WorkMeter.number(r.recorded().p50(), 0), WorkMeter.number(r.recorded().p99(), 0),
                    r.mixed() ? format("; push alongside: %d events (%d deliveries), the FCM sink got %d calls, accepted %d, failed"
                                    + " %d with 503; those deliveries at the run's end: %s", r.pushEvents(),
                            r.pushEvents() * settings.devices(), r.pushCalls(), r.pushAccepted(), r.pushFailed(), r.pushStatuses())
                            : ""));
        }
        if (drain.deliveries() > 0) {
            out.println(format("- scenario 3's %d push deliveries: %s when its last run ended; FCM healthy again, %s after %.0f s%s",
                    drain.deliveries(), drain.atEnd(), drain.afterwards(), drain.seconds(),
                    drain.settled() ? "" : format(" (still unsettled at --drain-timeout %d s)", settings.drainTimeout())));
        }
        String breaker = joined(metrics, key -> key.contains("name=\"fcm\""));
        if (!breaker.isEmpty()) {
            out.println("- the service's fcm breaker during scenario 3 (metric increases): " + breaker);
        }
        String outbound = joined(metrics, key -> key.startsWith("picflow_outbound_deliveries_total"));
        if (!outbound.isEmpty()) {
            out.println("- the outbound engine's deliveries during scenario 3, by channel and outcome (gated: held by an open"
                    + " breaker): " + outbound);
        }
        List<Map.Entry<String, Double>> sources = metrics.entrySet().stream()
                .filter(e -> e.getKey().startsWith("picflow_db_transactions_total"))
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).toList();
        if (!sources.isEmpty()) {
            double total = sources.stream().mapToDouble(Map.Entry::getValue).sum();
            out.println(format("- the service's transactions during scenario 3 (%.0f s): %.0f, %.0f/s; largest sources: %s", mixedSeconds,
                    total, total / mixedSeconds, sources.stream().limit(6).map(e -> e.getKey()
                            .replaceAll(".*source=\"([^\"]*)\".*", "$1") + " " + WorkMeter.number(e.getValue(), 0))
                            .reduce((a, b) -> a + ", " + b).orElse("")));
        }
        out.println(format("- FCM sink: %d token calls, %d send calls without the bearer token; SMS sink: %d calls without Basic auth",
                fcm.tokenCalls(), fcm.unauthorized(), twilio.unauthorized()));
        if (fcm.firstProblem() != null) {
            out.println("- FCM sink, first problem: " + BenchSupport.abbreviate(fcm.firstProblem()));
        }
        if (twilio.firstProblem() != null) {
            out.println("- SMS sink, first problem: " + BenchSupport.abbreviate(twilio.firstProblem()));
        }
        out.println();
    }

    /** The series of {@code metrics} that {@code include} takes, with their increases, in one line. */
    private static String joined(Map<String, Double> metrics, java.util.function.Predicate<String> include) {
        return metrics.entrySet().stream().filter(e -> include.test(e.getKey()))
                .map(e -> e.getKey() + " +" + WorkMeter.number(e.getValue(), 0)).reduce((a, b) -> a + "; " + b).orElse("");
    }

    private static void row(PrintStream out, String scenario, int count, double perSecond, double inserts, String cells,
            String target, String met) {
        out.println(format("| %s | %d | %s | %s | %s | %s | %s |", scenario, count, WorkMeter.number(perSecond, 1),
                Double.isNaN(perSecond) ? "" : WorkMeter.percent(perSecond, inserts), cells, target, met));
    }

    private static String verdict(boolean complete, boolean met, int got, int expected) {
        if (!complete) {
            return format("NOT MET (%d of %d)", got, expected);
        }
        return met ? "MET" : "NOT MET";
    }

    private static String completeVerdict(boolean complete, boolean met) {
        if (!complete) {
            return "NOT MET (not every SMS arrived and was matched)";
        }
        return met ? "MET" : "NOT MET";
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.removeIf(v -> v == null || Double.isNaN(v));
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
