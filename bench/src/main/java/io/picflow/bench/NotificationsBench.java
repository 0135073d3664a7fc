package io.picflow.bench;

import static io.picflow.bench.BenchSupport.format;
import static io.picflow.bench.BenchSupport.progress;

import io.picflow.bench.NotificationsDatabase.Delivery;
import io.picflow.bench.NotificationsDatabase.Favorite;
import io.picflow.bench.NotificationsDatabase.SourceEvent;
import io.picflow.bench.SmtpSink.Acceptance;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Notifications end to end (see bench/README.md, "Notifications"): {@code UserFavorited} events appended straight into
 * the event store become FAVORITED notifications, emailed at once to a real SMTP server ({@link SmtpSink}, in this
 * client) and pushed to {@code /ws?scope=notifications}.
 *
 * <ol>
 *   <li>Throughput: {@code --favorites} events among {@code --users} users, appended in one transaction; emails per
 *       second from the commit to the sink's last acceptance.</li>
 *   <li>Latency: {@code --rate} events per second for {@code --seconds}, one transaction each, to {@code --live-users}
 *       users who each have a socket open; from the source event to the SMTP acceptance and to the frame.</li>
 * </ol>
 * Baselines of the same run: the sink's own ceiling and PostgreSQL's single-row INSERT ceiling.
 */
public final class NotificationsBench {

    /** Emails per recipient and phase: under the service's hourly cap (20), so that every one is sent at once. */
    static final int MAX_PER_RECIPIENT = 15;
    static final double TARGET_EMAILS_PER_SECOND = 300;
    static final double TARGET_EMAIL_P99_MILLIS = 1000;
    static final double TARGET_IN_APP_P99_MILLIS = 100;
    /** How long the service may take to record as SENT what the sink already accepted (its update follows the send). */
    private static final int RECORDED_TIMEOUT_SECONDS = 60;
    private static final Duration SOCKETS_TIMEOUT = Duration.ofSeconds(60);

    private static final String USAGE = """
            usage: NotificationsBench --base-url http://127.0.0.1:PORT --jwt-secret-file FILE --smtp-port PORT
                                      --jdbc-url jdbc:postgresql://127.0.0.1:PORT/postgres [options]
              --smtp-port PORT        where this client's SMTP sink listens: the port the service was started with
                                      (--spring.mail.port)
              --users N               phase 1 users: actors and recipients (default 2000)
              --favorites N           phase 1 events, at most 15 x --users (default 10000)
              --live-users N          phase 2 recipients, each with a socket (default 200)
              --rate N                phase 2 events per second offered (default 100)
              --seconds N             phase 2 duration; --rate x --seconds at most 15 x --live-users (default 30)
              --concurrency N         registrations at a time (default 32)
              --sink-messages N       messages of the SMTP sink's ceiling (default 2000)
              --sink-connections N    connections at a time for it (default 16)
              --delivery-timeout S    phase 1: longest wait for every email after the commit (default 600)
              --live-timeout S        phase 2: longest wait for every email and frame after the last append (default 120)
            """ + WorkMeter.Options.USAGE;

    /** The command line. {@code meter}'s JDBC URL is required: the events are appended through it. */
    record Settings(URI base, Path secretFile, int smtpPort, int users, int favorites, int liveUsers, int rate, int seconds,
            int concurrency, int sinkMessages, int sinkConnections, int deliveryTimeout, int liveTimeout,
            WorkMeter.Options meter) {

        static Settings parse(String[] args) {
            Map<String, String> values = BenchSupport.options(args);
            URI base = BenchSupport.baseUrl(values);
            String secretFile = values.remove("jwt-secret-file");
            if (secretFile == null) {
                throw new IllegalArgumentException("--jwt-secret-file is required");
            }
            Integer smtpPort = BenchSupport.number(values, "smtp-port", Integer::parseInt);
            if (smtpPort == null || smtpPort < 1 || smtpPort > 65535) {
                throw new IllegalArgumentException("--smtp-port is required (1-65535)");
            }
            Settings settings = new Settings(base, Path.of(secretFile), smtpPort, atLeast(values, "users", 2000, 2),
                    atLeast(values, "favorites", 10_000, 1), atLeast(values, "live-users", 200, 1), atLeast(values, "rate", 100, 1),
                    atLeast(values, "seconds", 30, 1), atLeast(values, "concurrency", 32, 1),
                    atLeast(values, "sink-messages", 2000, 1), atLeast(values, "sink-connections", 16, 1),
                    atLeast(values, "delivery-timeout", 600, 1), atLeast(values, "live-timeout", 120, 1),
                    WorkMeter.Options.parse(values));
            BenchSupport.rejectUnknown(values);
            settings.check();
            return settings;
        }

        private void check() {
            if (meter.jdbcUrl() == null) {
                throw new IllegalArgumentException("--jdbc-url is required: the events are appended through the database");
            }
            if (favorites > (long) MAX_PER_RECIPIENT * users) {
                throw new IllegalArgumentException(format("--favorites %d: at most %d per recipient, so at most %d for"
                        + " --users %d", favorites, MAX_PER_RECIPIENT, MAX_PER_RECIPIENT * users, users));
            }
            if ((long) rate * seconds > (long) MAX_PER_RECIPIENT * liveUsers) {
                throw new IllegalArgumentException(format("--rate x --seconds (%d): at most %d per recipient, so at most %d"
                        + " for --live-users %d", (long) rate * seconds, MAX_PER_RECIPIENT, MAX_PER_RECIPIENT * liveUsers, liveUsers));
            }
        }

        int liveEvents() {
            return rate * seconds;
        }

        private static int atLeast(Map<String, String> values, String name, int fallback, int min) {
            Integer parsed = BenchSupport.number(values, name, Integer::parseInt);
            if (parsed != null && parsed < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + parsed);
            }
            return parsed == null ? fallback : parsed;
        }
    }

    /** Nearest-rank percentiles of some milliseconds; {@code count} 0 for none. */
    record Stats(int count, double p50, double p99, double max) {

        static Stats of(List<Double> millis) {
            if (millis.isEmpty()) {
                return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
            }
            List<Double> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            return new Stats(sorted.size(), percentile(sorted, 50), percentile(sorted, 99), sorted.get(sorted.size() - 1));
        }

        private static double percentile(List<Double> sorted, int percent) {
            int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
        }

        /** The p50, p99 and max cells of a table row. */
        String cells(int decimals) {
            return WorkMeter.number(p50, decimals) + " | " + WorkMeter.number(p99, decimals) + " | " + WorkMeter.number(max, decimals);
        }
    }

    /**
     * Phase 1: {@code events} appended, committed at {@code committedNanos}; the sink accepted {@code accepted} of their
     * emails ({@code complete}: all within the timeout), the first at {@code firstNanos}, the last at {@code lastNanos}.
     * {@code smtp}: source event to SMTP acceptance; {@code database}: sent_at - created_at of the {@code sent} ones.
     */
    record Throughput(int events, int accepted, boolean complete, long committedNanos, long firstNanos, long lastNanos,
            Stats smtp, int unmatched, Stats database, int sent, int connections, WorkMeter.Work work) {

        double perSecond() {
            return accepted > 0 ? accepted / ((lastNanos - committedNanos) / 1e9) : Double.NaN;
        }

        /** Between the first and the last acceptance: accepted - 1 intervals. */
        double firstToLastPerSecond() {
            return accepted > 1 && lastNanos > firstNanos ? (accepted - 1) / ((lastNanos - firstNanos) / 1e9) : Double.NaN;
        }
    }

    /** Phase 2's appends: the events, each append's transaction time, how late the latest one started, the rate achieved. */
    record Paced(List<SourceEvent> events, Stats appends, double maxLateMillis, double offeredPerSecond) {
    }

    /**
     * Phase 2: the appends; emails accepted and frames received ({@code complete}: all within the timeout); email
     * latency at the sink ({@code smtp}) and as recorded ({@code database}, of the {@code sent} ones); in-app latency
     * from the source event and from the frame's own {@code createdAt}.
     */
    record Latency(Paced paced, int accepted, boolean emailsComplete, Stats smtp, int unmatchedEmails, Stats database, int sent,
            int frames, boolean framesComplete, Stats inApp, Stats inAppFromCreatedAt, int unmatchedFrames, int unexpectedCloses,
            String socketProblem, WorkMeter.Work work) {
    }

    private final Settings settings;
    private final String secret;
    private final SmtpSink sink;
    private final WorkMeter meter;
    private final NotificationsDatabase db;
    private final HttpClient http = BenchSupport.httpClient();
    private final Random random = new Random(20261123);
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private NotificationsBench(Settings settings, String secret, SmtpSink sink, WorkMeter meter, NotificationsDatabase db) {
        this.settings = settings;
        this.secret = secret;
        this.sink = sink;
        this.meter = meter;
        this.db = db;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = BenchSupport.parseOrExit(args, Settings::parse, USAGE);
        String secret = Files.readString(settings.secretFile()).trim();
        // The sink first: the service was started with its port, and sends as soon as the first event is appended.
        try (SmtpSink sink = SmtpSink.start(settings.smtpPort());
                WorkMeter meter = WorkMeter.open(settings.meter());
                NotificationsDatabase db = NotificationsDatabase.open(settings.meter())) {
            new NotificationsBench(settings, secret, sink, meter, db).run();
        }
        // Exit explicitly in case an HTTP client or socket thread lingers.
        System.exit(0);
    }

    private void run() throws Exception {
        WorkMeter.Work idle = null;
        if (meter.options().idleSeconds() > 0) {
            progress("idle: waiting for quiet, then %d s without requests", meter.options().idleSeconds());
            idle = meter.idle(meter.options().idleSeconds());
        }
        List<String> users = ids("u", settings.users());
        List<String> live = ids("live", settings.liveUsers());
        List<String> everyone = new ArrayList<>(users);
        everyone.addAll(live);
        FavoritesBench.Phase registration = register(everyone);
        db.enableImmediateEmail(everyone);
        progress("%d users have a verified email and FAVORITED email on", everyone.size());

        meter.awaitQuiet(); // the registrations' projections are done: the sink's ceiling runs on an idle service
        progress("SMTP sink ceiling: %d messages, %d connections at a time", settings.sinkMessages(), settings.sinkConnections());
        SmtpSink.Ceiling sinkCeiling = SmtpSink.measureCeiling(sink.port(), settings.sinkMessages(), settings.sinkConnections());
        progress("SMTP sink ceiling: %.0f messages/s", sinkCeiling.perSecond());

        Throughput throughput = throughput(users);
        Latency latency = latency(users, live);
        InsertCeiling.Result[] inserts = InsertCeiling.measureBoth(meter);

        PrintStream out = System.out;
        report(out, registration, sinkCeiling, throughput, latency, inserts[0]);
        meter.report(out, idle, meter.rows(List.of(throughput.work(), latency.work())), inserts[0], inserts[1]);
    }

    // ---------------------------------------------------------------- set-up

    private List<String> ids(String kind, int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add("ntf-" + run + "-" + kind + "-" + i);
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

    /** POST /api/users for each, {@code --concurrency} at a time; every one must be accepted. */
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

    /** Phase 1's favorites: recipients drawn so that none gets more than {@link #MAX_PER_RECIPIENT}, actors any other user. */
    private List<Favorite> planThroughput(List<String> users) {
        List<Integer> slots = new ArrayList<>(users.size() * MAX_PER_RECIPIENT);
        for (int u = 0; u < users.size(); u++) {
            slots.addAll(Collections.nCopies(MAX_PER_RECIPIENT, u));
        }
        Collections.shuffle(slots, random);
        List<Favorite> favorites = new ArrayList<>(settings.favorites());
        for (int i = 0; i < settings.favorites(); i++) {
            int target = slots.get(i);
            int actor = (target + 1 + random.nextInt(users.size() - 1)) % users.size();
            favorites.add(new Favorite(users.get(actor), users.get(target)));
        }
        return favorites;
    }

    /** Phase 2's favorites: recipients round-robin over the live users, actors random among the phase 1 users. */
    private List<Favorite> planLatency(List<String> users, List<String> live) {
        List<Favorite> favorites = new ArrayList<>(settings.liveEvents());
        for (int i = 0; i < settings.liveEvents(); i++) {
            favorites.add(new Favorite(users.get(random.nextInt(users.size())), live.get(i % live.size())));
        }
        return favorites;
    }

    // ---------------------------------------------------------------- phase 1: throughput

    private Throughput throughput(List<String> users) throws Exception {
        List<Favorite> favorites = planThroughput(users);
        int n = favorites.size();
        WorkMeter.Phase metered = meter.begin(format("phase 1: %d favorites appended at once", n));
        int from = sink.size();
        int base = sink.serviceAccepted();
        int connections = sink.connectionsOpened();
        progress("phase 1: appending %d UserFavorited events in one transaction", n);
        NotificationsDatabase.Appended appended = db.appendTogether(favorites);
        progress("phase 1: committed; waiting up to %d s for %d emails", settings.deliveryTimeout(), n);
        boolean complete = sink.awaitServiceAccepted(base + n,
                appended.committedNanos() + TimeUnit.SECONDS.toNanos(settings.deliveryTimeout()));
        metered.last();
        List<Acceptance> acceptances = serviceAcceptances(from);
        long first = acceptances.isEmpty() ? appended.committedNanos() : acceptances.get(0).nanos();
        long last = acceptances.isEmpty() ? System.nanoTime() : acceptances.get(acceptances.size() - 1).nanos();
        progress("phase 1: %d of %d emails accepted in %.1f s after the commit", acceptances.size(), n,
                (last - appended.committedNanos()) / 1e9);
        metered.note("the counters include the client's append, 1 transaction of " + n + " inserts");
        WorkMeter.Work work = metered.end("email", acceptances.size(), (last - appended.committedNanos()) / 1e9);

        List<Double> smtp = smtpMillis(acceptances, appended.events());
        List<Delivery> deliveries = db.awaitDeliveries(appended.events(), RECORDED_TIMEOUT_SECONDS);
        List<Double> recorded = sentMillis(deliveries);
        return new Throughput(n, acceptances.size(), complete, appended.committedNanos(), first, last, Stats.of(smtp),
                acceptances.size() - smtp.size(), Stats.of(recorded), recorded.size(), sink.connectionsOpened() - connections, work);
    }

    /** The service's messages the sink accepted from index {@code from} on (the benchmark's own left out). */
    private List<Acceptance> serviceAcceptances(int from) {
        List<Acceptance> service = new ArrayList<>();
        for (Acceptance acceptance : sink.since(from)) {
            if (!acceptance.own()) {
                service.add(acceptance);
            }
        }
        return service;
    }

    /** Source event to SMTP acceptance, for each accepted message whose Message-ID is one of these events' emails. */
    private static List<Double> smtpMillis(List<Acceptance> acceptances, List<SourceEvent> events) {
        Map<String, SourceEvent> byMessageId = index(events, SourceEvent::messageId);
        List<Double> millis = new ArrayList<>(acceptances.size());
        for (Acceptance acceptance : acceptances) {
            SourceEvent event = acceptance.messageId() == null ? null : byMessageId.get(acceptance.messageId());
            if (event != null) {
                millis.add((double) (acceptance.epochMillis() - event.epochMillis()));
            }
        }
        return millis;
    }

    /** sent_at - created_at of the emails recorded as SENT. */
    private static List<Double> sentMillis(List<Delivery> deliveries) {
        List<Double> millis = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            if ("SENT".equals(delivery.status()) && !Double.isNaN(delivery.millis())) {
                millis.add(delivery.millis());
            }
        }
        return millis;
    }

    private static Map<String, SourceEvent> index(List<SourceEvent> events, Function<SourceEvent, String> key) {
        Map<String, SourceEvent> index = new HashMap<>(events.size() * 2);
        for (SourceEvent event : events) {
            index.put(key.apply(event), event);
        }
        return index;
    }

    // ---------------------------------------------------------------- phase 2: latency

    private Latency latency(List<String> users, List<String> live) throws Exception {
        List<Favorite> favorites = planLatency(users, live);
        int n = favorites.size();
        progress("phase 2: opening %d notification sockets", live.size());
        try (NotificationSockets sockets = NotificationSockets.open(http, settings.base(), tokens(live), SOCKETS_TIMEOUT)) {
            WorkMeter.Phase metered = meter.begin(format("phase 2: %d favorites at %d/s", n, settings.rate()));
            int from = sink.size();
            int base = sink.serviceAccepted();
            long began = System.nanoTime();
            progress("phase 2: appending %d events at %d/s, one transaction each", n, settings.rate());
            Paced paced = appendPaced(favorites);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.liveTimeout());
            boolean emailsComplete = sink.awaitServiceAccepted(base + n, deadline);
            boolean framesComplete = sockets.awaitNotifications(n, deadline);
            long ended = System.nanoTime();
            metered.last();
            List<Acceptance> acceptances = serviceAcceptances(from);
            List<NotificationSockets.Frame> frames = sockets.frames();
            progress("phase 2: %d of %d emails accepted, %d of %d frames received", acceptances.size(), n, frames.size(), n);
            metered.note("the counters include the client's appends, 1 transaction per notification");
            WorkMeter.Work work = metered.end("notification", n, (ended - began) / 1e9);

            List<Double> smtp = smtpMillis(acceptances, paced.events());
            List<Double> recorded = sentMillis(db.awaitDeliveries(paced.events(), RECORDED_TIMEOUT_SECONDS));
            Map<String, SourceEvent> byNotification = index(paced.events(), SourceEvent::notificationId);
            List<Double> inApp = new ArrayList<>(frames.size());
            List<Double> fromCreatedAt = new ArrayList<>(frames.size());
            for (NotificationSockets.Frame frame : frames) {
                SourceEvent event = frame.notificationId() == null ? null : byNotification.get(frame.notificationId());
                if (event != null) {
                    inApp.add((double) (frame.receivedMillis() - event.epochMillis()));
                }
                if (frame.createdAt() != null) {
                    fromCreatedAt.add((double) (frame.receivedMillis() - frame.createdAt().toEpochMilli()));
                }
            }
            return new Latency(paced, acceptances.size(), emailsComplete, Stats.of(smtp), acceptances.size() - smtp.size(),
                    Stats.of(recorded), recorded.size(), frames.size(), framesComplete, Stats.of(inApp), Stats.of(fromCreatedAt),
                    frames.size() - inApp.size(), sockets.unexpectedCloses(), sockets.firstProblem(), work);
        }
    }

    /**
     * One append every 1/{@code --rate} s against absolute deadlines (the i-th is due at start + i/rate): an append that
     * starts late, behind a slow commit, does not push the later ones back, so the offered rate does not drift.
     */
    private Paced appendPaced(List<Favorite> favorites) throws SQLException {
        List<SourceEvent> events = new ArrayList<>(favorites.size());
        List<Double> appendMillis = new ArrayList<>(favorites.size());
        long maxLate = 0;
        long start = System.nanoTime();
        long lastStart = start;
        for (int i = 0; i < favorites.size(); i++) {
            long due = start + i * 1_000_000_000L / settings.rate();
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            lastStart = System.nanoTime();
            maxLate = Math.max(maxLate, lastStart - due);
            events.add(db.appendOne(favorites.get(i)));
            appendMillis.add((System.nanoTime() - lastStart) / 1e6);
        }
        double offered = favorites.size() > 1 ? (favorites.size() - 1) / ((lastStart - start) / 1e9) : Double.NaN;
        return new Paced(events, Stats.of(appendMillis), maxLate / 1e6, offered);
    }

    // ---------------------------------------------------------------- report

    private void report(PrintStream out, FavoritesBench.Phase registration, SmtpSink.Ceiling sinkCeiling, Throughput throughput,
            Latency latency, InsertCeiling.Result ceiling) {
        out.println("# Notifications benchmark (" + Instant.now() + ")");
        out.println();
        out.println(format("Set-up: %d users for phase 1 and %d for phase 2, registered with POST /api/users (%.0f/s at"
                        + " concurrency %d), each with a verified email and FAVORITED email on, immediate (digest off, no quiet"
                        + " hours), at most %d emails per recipient (under the hourly cap of 20). UserFavorited events are"
                        + " appended to domain_event_entry with a NOTIFY; the service emails this client's SMTP sink on"
                        + " 127.0.0.1:%d. Latencies start at the source event's time_stamp.",
                settings.users(), settings.liveUsers(), registration.requests() / registration.seconds(), settings.concurrency(),
                MAX_PER_RECIPIENT, sink.port()));
        out.println();
        printTable(out, sinkCeiling, throughput, latency);
        printNotes(out, sinkCeiling, throughput, latency);
        printBaselines(out, sinkCeiling, throughput, ceiling);
    }

    private void printTable(PrintStream out, SmtpSink.Ceiling sinkCeiling, Throughput throughput, Latency latency) {
        Stats sinkMillis = Stats.of(sinkCeiling.micros().stream().map(micros -> micros / 1000.0).toList());
        Paced paced = latency.paced();
        int n = paced.events().size();
        out.println("| phase | count | per second | p50 ms | p99 ms | max ms | target | met? |");
        out.println("|---|---:|---:|---:|---:|---:|---|---|");
        row(out, format("SMTP sink ceiling: this client, %d connections at a time, one message per connection (per message:"
                + " connect to 221)", sinkCeiling.connections()), sinkMillis.count(), sinkCeiling.perSecond(), sinkMillis.cells(1), "", "");
        row(out, "phase 1: emails, commit to last SMTP acceptance (latency: source event to SMTP acceptance)",
                throughput.accepted(), throughput.perSecond(), throughput.smtp().cells(0),
                format(">= %.0f emails/s", TARGET_EMAILS_PER_SECOND),
                verdict(throughput.complete(), throughput.perSecond() >= TARGET_EMAILS_PER_SECOND, throughput.accepted(),
                        throughput.events()));
        row(out, "phase 1: emails, first to last SMTP acceptance", throughput.accepted(), throughput.firstToLastPerSecond(),
                "- | - | -", "", "");
        row(out, "phase 1: email sent_at - created_at (database; includes the backlog)", throughput.sent(), Double.NaN,
                throughput.database().cells(0), "", "");
        row(out, format("phase 2: appends, one transaction each, paced at %d/s (per append)", settings.rate()), n,
                paced.offeredPerSecond(), paced.appends().cells(1), "", "");
        row(out, format("phase 2: email sent_at - created_at (database), %d/s offered", settings.rate()), latency.sent(), Double.NaN,
                latency.database().cells(0), format("p99 <= %.0f ms", TARGET_EMAIL_P99_MILLIS),
                verdict(latency.emailsComplete() && latency.sent() == n, latency.database().p99() <= TARGET_EMAIL_P99_MILLIS,
                        latency.sent(), n));
        row(out, "phase 2: email, source event to SMTP acceptance", latency.smtp().count(), Double.NaN, latency.smtp().cells(0),
                "", "");
        row(out, "phase 2: in-app, source event to WebSocket frame", latency.inApp().count(), Double.NaN,
                latency.inApp().cells(0), format("p99 <= %.0f ms", TARGET_IN_APP_P99_MILLIS),
                verdict(latency.framesComplete() && latency.inApp().count() == n,
                        latency.inApp().p99() <= TARGET_IN_APP_P99_MILLIS, latency.inApp().count(), n));
        row(out, "phase 2: in-app, the frame's createdAt (NotificationCreated's time) to WebSocket frame",
                latency.inAppFromCreatedAt().count(), Double.NaN, latency.inAppFromCreatedAt().cells(0), "", "");
        out.println();
    }

    private static void row(PrintStream out, String phase, int count, double perSecond, String cells, String target, String met) {
        out.println(format("| %s | %d | %s | %s | %s | %s |", phase, count, WorkMeter.number(perSecond, 1), cells, target, met));
    }

    /** NOT MET when something is missing: a percentile over what arrived would flatter the service. */
    private static String verdict(boolean complete, boolean met, int got, int expected) {
        if (!complete) {
            return format("NOT MET (%d of %d)", got, expected);
        }
        return met ? "MET" : "NOT MET";
    }

    private void printNotes(PrintStream out, SmtpSink.Ceiling sinkCeiling, Throughput throughput, Latency latency) {
        Paced paced = latency.paced();
        out.println(format("- phase 1: %d events committed in one transaction; the sink accepted %d emails over %d SMTP"
                        + " connections%s; %d recorded SENT. Its latencies include the wait behind the whole backlog.",
                throughput.events(), throughput.accepted(), throughput.connections(),
                throughput.complete() ? "" : format(" (not all within %d s)", settings.deliveryTimeout()), throughput.sent()));
        out.println(format("- phase 2: %d events at %.1f/s achieved (%d/s asked; each append started at most %.1f ms after"
                        + " its deadline); %d emails accepted, %d recorded SENT, %d frames received%s.",
                paced.events().size(), paced.offeredPerSecond(), settings.rate(), paced.maxLateMillis(), latency.accepted(),
                latency.sent(), latency.frames(),
                latency.emailsComplete() && latency.framesComplete() ? "" : format(" (not all within %d s)", settings.liveTimeout())));
        out.println("- the frame's createdAt is the time of the NotificationCreated event, which the service appends when it"
                + " processes the source event: the last row leaves out the time before that.");
        if (throughput.unmatched() + latency.unmatchedEmails() + latency.unmatchedFrames() > 0) {
            out.println(format("- not matched to a source event (left out of the latencies): %d emails in phase 1, %d in phase 2,"
                    + " %d frames", throughput.unmatched(), latency.unmatchedEmails(), latency.unmatchedFrames()));
        }
        if (latency.unexpectedCloses() > 0) {
            out.println(format("- %d notification sockets closed during phase 2; first: %s", latency.unexpectedCloses(),
                    BenchSupport.abbreviate(latency.socketProblem())));
        }
        if (sinkCeiling.errors() > 0) {
            out.println(format("- SMTP sink ceiling: %d messages failed; first: %s", sinkCeiling.errors(),
                    BenchSupport.abbreviate(sinkCeiling.firstError())));
        }
        if (sink.firstError() != null) {
            out.println("- SMTP sink, first connection error: " + BenchSupport.abbreviate(sink.firstError()));
        }
        out.println();
    }

    private static void printBaselines(PrintStream out, SmtpSink.Ceiling sinkCeiling, Throughput throughput,
            InsertCeiling.Result ceiling) {
        out.println("Baselines of this run:");
        out.println();
        InsertCeiling.print(out, ceiling);
        out.println(format("- phase 1 emails/s (%s) = %s of the INSERT ceiling", WorkMeter.number(throughput.perSecond(), 1),
                WorkMeter.percent(throughput.perSecond(), ceiling == null ? Double.NaN : ceiling.insertsPerSecond())));
        out.println(format("SMTP sink ceiling: %s messages/s (%d messages, %d connections at a time, one message per"
                        + " connection, %d errors)", WorkMeter.number(sinkCeiling.perSecond(), 1), sinkCeiling.micros().size(),
                sinkCeiling.connections(), sinkCeiling.errors()));
        out.println(format("- phase 1 emails/s = %s of the SMTP sink ceiling",
                WorkMeter.percent(throughput.perSecond(), sinkCeiling.perSecond())));
        out.println();
    }
}
