package io.picflow.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the request and the lifecycle benchmarks share: command line, HTTP client, dev token, threads, text. */
final class BenchSupport {

    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");

    private BenchSupport() {
    }

    // ---------------------------------------------------------------- command line

    /**
     * Parses the command line with {@code parse}; on an {@link IllegalArgumentException} prints its message
     * (none for {@code --help}) and {@code usage} to stderr and exits, 0 for {@code --help}, 2 otherwise.
     */
    static <T> T parseOrExit(String[] args, Function<String[], T> parse, String usage) {
        try {
            return parse.apply(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.print(usage);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            throw e; // not reached
        }
    }

    /**
     * {@code --name value} and {@code --name=value} pairs by name, in order. {@code --help} or {@code -h}
     * throws an {@link IllegalArgumentException} with an empty message (print the usage, exit 0).
     */
    static Map<String, String> options(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                values.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.length) {
                values.put(arg.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("missing value for " + arg);
            }
        }
        return values;
    }

    /** Removes the required {@code --base-url} from {@code values}: http on 127.0.0.1 only, without a trailing slash. */
    static URI baseUrl(Map<String, String> values) {
        String base = values.remove("base-url");
        if (base == null) {
            throw new IllegalArgumentException("--base-url is required");
        }
        URI baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        if (!"http".equals(baseUrl.getScheme()) || !"127.0.0.1".equals(baseUrl.getHost())) {
            throw new IllegalArgumentException("--base-url must be http://127.0.0.1:<port>, got " + base);
        }
        return baseUrl;
    }

    /**
     * Removes {@code --name} from {@code values} and parses it (trimmed) with {@code parse}; null if it is absent.
     * A value {@code parse} rejects with a {@link NumberFormatException} is an {@link IllegalArgumentException}.
     */
    static <T extends Number> T number(Map<String, String> values, String name, Function<String, T> parse) {
        String value = values.remove(name);
        if (value == null) {
            return null;
        }
        try {
            return parse.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not a number: " + value);
        }
    }

    /** Call when every known option has been removed from {@code values}: anything left is unknown. */
    static void rejectUnknown(Map<String, String> values) {
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): --" + String.join(", --", values.keySet()));
        }
    }

    // ---------------------------------------------------------------- HTTP

    /** One keep-alive HTTP/1.1 client with a connect timeout; redirects are not followed. */
    static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A dev token from {@code POST /api/dev/tokens} for {@code userId} with the role {@code user}. */
    static String devToken(HttpClient client, URI baseUrl, Duration timeout, String userId)
            throws IOException, InterruptedException {
        return devToken(client, baseUrl, timeout, userId, "user");
    }

    /** A dev token for {@code userId} with {@code role} ({@code user} or {@code admin}). */
    static String devToken(HttpClient client, URI baseUrl, Duration timeout, String userId, String role)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve("/api/dev/tokens"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\",\"roles\":[\"" + role + "\"]}"))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        Matcher matcher = TOKEN.matcher(response.body());
        if (response.statusCode() != 200 || !matcher.find()) {
            throw new IllegalStateException("POST /api/dev/tokens answered " + response.statusCode() + ": "
                    + abbreviate(response.body()) + " (is this the embedded standalone run, with dev tokens enabled?)");
        }
        return matcher.group(1);
    }

    // ---------------------------------------------------------------- threads

    /**
     * Joins each worker until {@code joinByNanos} (a {@link System#nanoTime()} value), then interrupts those
     * still running. Returns whether there was one.
     */
    static boolean joinOrInterrupt(Thread[] workers, long joinByNanos) throws InterruptedException {
        boolean interrupted = false;
        for (Thread worker : workers) {
            long left = joinByNanos - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(worker, left);
            }
            if (worker.isAlive()) {
                worker.interrupt();
                interrupted = true;
            }
        }
        return interrupted;
    }

    // ---------------------------------------------------------------- text

    /** One line of at most 200 characters, without '|' (it goes into Markdown tables). */
    static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String flat = text.replaceAll("[\\r\\n\\t]+", " ").replace('|', '/').trim();
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }

    /** {@link String#format} in {@link Locale#ROOT}, so the report's numbers do not depend on the machine's locale. */
    static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** A progress line on stderr (the report goes to stdout). */
    static void progress(String pattern, Object... args) {
        System.err.println("[bench] " + format(pattern, args));
    }
}
