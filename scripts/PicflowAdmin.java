import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * picflow's admin CLI (docs/operations.md): the admin API from a shell. A single source file on the
 * JDK alone, so that it runs anywhere the service does: {@code java scripts/PicflowAdmin.java ...}, or
 * {@code scripts/picflow-admin ...}. It prints the API's JSON answers; {@code rebuild --follow} prints
 * one progress line per second and exits 0 only if the rebuild completed.
 */
public class PicflowAdmin {

    private static final String USAGE = """
            usage: picflow-admin [--url URL] [--token TOKEN] COMMAND [ARGS]
              URL defaults to $PICFLOW_URL or http://127.0.0.1:8080, TOKEN to $PICFLOW_TOKEN (an admin's bearer token)

              projections                              read models that can be rebuilt, and recent rebuilds
              rebuild NAME [--follow]                  rebuild a read model (downloads, images, favorites, users, notification-inbox, image-search, cache)
              status NAME REBUILD_ID                   progress of a rebuild
              cancel NAME REBUILD_ID                   cancel a running rebuild
              events [--type T] [--aggregate-id A] [--correlation-id C] [--from INSTANT] [--to INSTANT] [--page N] [--size N]
              dead-letters [GROUP]                     dead letters per processing group, or one group's
              retry GROUP [SEQUENCE_ID]                retry every parked sequence of a group, or one
              evict GROUP SEQUENCE_ID                  evict a parked sequence
              processors                               event processors, segments, positions and lag
              pause PROCESSOR | start PROCESSOR        pause or start a processor (on the node that answers)
            """;

    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"(\\w+)\"");

    public static void main(String[] args) throws Exception {
        System.exit(new PicflowAdmin().run(args));
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String url = System.getenv().getOrDefault("PICFLOW_URL", "http://127.0.0.1:8080");
    private String token = System.getenv("PICFLOW_TOKEN");

    int run(String[] arguments) throws Exception {
        List<String> args = new ArrayList<>(List.of(arguments));
        while (!args.isEmpty() && args.get(0).startsWith("--")) {
            String option = args.remove(0);
            if (args.isEmpty()) {
                return usage("missing value for " + option);
            }
            switch (option) {
                case "--url" -> url = args.remove(0);
                case "--token" -> token = args.remove(0);
                default -> {
                    return usage("unknown option " + option);
                }
            }
        }
        if (args.isEmpty()) {
            return usage(null);
        }
        if (token == null || token.isBlank()) {
            return usage("no token: set PICFLOW_TOKEN or pass --token");
        }
        String command = args.remove(0);
        return switch (command) {
            case "projections" -> print(call("GET", "/api/admin/projections"));
            case "rebuild" -> rebuild(args);
            case "status" -> args.size() == 2 ? print(call("GET", rebuildPath(args))) : usage("status NAME REBUILD_ID");
            case "cancel" -> args.size() == 2 ? print(call("DELETE", rebuildPath(args))) : usage("cancel NAME REBUILD_ID");
            case "events" -> events(args);
            case "dead-letters" -> print(call("GET", "/api/admin/dead-letters" + (args.isEmpty() ? "" : "/" + segment(args.get(0)))));
            case "retry" -> args.size() == 1 ? print(call("POST", "/api/admin/dead-letters/" + segment(args.get(0)) + "/retry"))
                    : args.size() == 2 ? print(call("POST", "/api/admin/dead-letters/" + segment(args.get(0)) + "/sequences/"
                            + segment(args.get(1)) + "/retry")) : usage("retry GROUP [SEQUENCE_ID]");
            case "evict" -> args.size() == 2 ? print(call("DELETE", "/api/admin/dead-letters/" + segment(args.get(0)) + "/sequences/"
                    + segment(args.get(1)))) : usage("evict GROUP SEQUENCE_ID");
            case "processors" -> print(call("GET", "/api/admin/processors"));
            case "pause", "start" -> args.size() == 1
                    ? print(call("POST", "/api/admin/processors/" + segment(args.get(0)) + "/" + command)) : usage(command + " PROCESSOR");
            default -> usage("unknown command " + command);
        };
    }

    private int rebuild(List<String> args) throws Exception {
        boolean follow = args.remove("--follow");
        if (args.size() != 1) {
            return usage("rebuild NAME [--follow]");
        }
        String name = args.get(0);
        HttpResponse<String> started = call("POST", "/api/admin/projections/" + segment(name) + "/rebuild");
        if (!follow || started.statusCode() != 202) {
            return print(started);
        }
        Matcher id = Pattern.compile("\"rebuildId\"\\s*:\\s*\"([^\"]+)\"").matcher(started.body());
        if (!id.find()) {
            return print(started);
        }
        String path = "/api/admin/projections/" + segment(name) + "/rebuild/" + segment(id.group(1));
        while (true) {
            HttpResponse<String> status = call("GET", path);
            if (status.statusCode() != 200) {
                return print(status);
            }
            System.out.println(status.body());
            Matcher state = STATE.matcher(status.body());
            if (state.find() && !state.group(1).equals("RUNNING")) {
                return state.group(1).equals("COMPLETED") ? 0 : 1;
            }
            Thread.sleep(1000); // polling interval of a command-line client, not synchronisation
        }
    }

    private int events(List<String> args) throws Exception {
        Map<String, String> names = Map.of("--type", "type", "--aggregate-id", "aggregateId", "--correlation-id", "correlationId",
                "--from", "from", "--to", "to", "--page", "page", "--size", "size");
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String name = names.get(args.get(i));
            if (name == null || i + 1 >= args.size()) {
                return usage("events: unknown or incomplete option " + args.get(i));
            }
            query.put(name, args.get(i + 1));
        }
        StringBuilder path = new StringBuilder("/api/admin/events");
        String separator = "?";
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            path.append(separator).append(parameter.getKey()).append('=')
                    .append(URLEncoder.encode(parameter.getValue(), StandardCharsets.UTF_8));
            separator = "&";
        }
        return print(call("GET", path.toString()));
    }

    private static String rebuildPath(List<String> args) {
        return "/api/admin/projections/" + segment(args.get(0)) + "/rebuild/" + segment(args.get(1));
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> call(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Prints the answer; the exit code is 0 for a 2xx, 1 otherwise (the problem's JSON goes to stderr). */
    private static int print(HttpResponse<String> response) {
        boolean ok = response.statusCode() / 100 == 2;
        String body = response.body() == null || response.body().isEmpty() ? "HTTP " + response.statusCode() : response.body();
        (ok ? System.out : System.err).println(body);
        return ok ? 0 : 1;
    }

    private static int usage(String problem) {
        if (problem != null) {
            System.err.println("picflow-admin: " + problem);
        }
        System.err.print(USAGE);
        return 2;
    }
}
