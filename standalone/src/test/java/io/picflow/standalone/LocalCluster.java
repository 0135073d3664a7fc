package io.picflow.standalone;

import io.picflow.devservices.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The local cluster of {@code scripts/cluster}, driven from a test: started once, its components stopped, killed and
 * started again by the script, exactly as an operator would. Its state lives in {@code target/cluster}.
 */
final class LocalCluster implements AutoCloseable {

    static final int NGINX = 18090;
    static final Map<String, Integer> PORTS = Map.of("command-1", 18181, "command-2", 18182, "query-1", 18183, "query-2", 18184);
    private static final int POSTGRES = 18432;
    private static final int ELASTICSEARCH = 18200;

    private final Path root;
    private final Path directory;
    private final Map<String, String> environment = new HashMap<>();

    LocalCluster(Path root, Path directory, Map<String, String> settings) {
        this.root = root;
        this.directory = directory;
        environment.put("PICFLOW_CLUSTER_DIR", directory.toString());
        environment.put("PICFLOW_CLUSTER_PORT", Integer.toString(NGINX));
        environment.put("PICFLOW_CLUSTER_POSTGRES_PORT", Integer.toString(POSTGRES));
        environment.put("PICFLOW_CLUSTER_ELASTICSEARCH_PORT", Integer.toString(ELASTICSEARCH));
        environment.put("PICFLOW_CLUSTER_COMMAND1_PORT", PORTS.get("command-1").toString());
        environment.put("PICFLOW_CLUSTER_COMMAND2_PORT", PORTS.get("command-2").toString());
        environment.put("PICFLOW_CLUSTER_QUERY1_PORT", PORTS.get("query-1").toString());
        environment.put("PICFLOW_CLUSTER_QUERY2_PORT", PORTS.get("query-2").toString());
        environment.putAll(settings);
    }

    /** Runs {@code scripts/cluster} with these arguments and fails with its output unless it exits 0. */
    String run(String... arguments) {
        List<String> command = new ArrayList<>(List.of(root.resolve("scripts/cluster").toString()));
        command.addAll(List.of(arguments));
        try {
            Files.createDirectories(directory);
            Path output = Files.createTempFile(directory, "command", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(6, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("scripts/cluster " + String.join(" ", arguments) + " took over 6 minutes:\n" + Files.readString(output));
            }
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError("scripts/cluster " + String.join(" ", arguments) + " exited " + process.exitValue() + ":\n"
                        + printed + "\n" + logTails());
            }
            return printed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    ApiClient viaNginx() {
        return ApiClient.onPort(NGINX);
    }

    ApiClient node(String name) {
        return ApiClient.onPort(PORTS.get(name));
    }

    String token(String user, String roles) {
        return run("token", user, roles).strip();
    }

    /** Fetches queued or running on a command node, from its metrics. */
    double fetchesOn(String commandNode) {
        String scrape = node(commandNode).get("/actuator/prometheus", null).body();
        return sum(scrape, "picflow_downloads_fetches_active") + sum(scrape, "picflow_downloads_fetches_queued");
    }

    private static double sum(String scrape, String metric) {
        java.util.regex.Matcher series = java.util.regex.Pattern.compile("(?m)^" + metric + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        double sum = 0;
        while (series.find()) {
            sum += Double.parseDouble(series.group(2));
        }
        return sum;
    }

    /** The cluster's database, as the nodes see it (its coordinates are in the postgres component's properties file). */
    JdbcClient database() {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(directory.resolve("postgres.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DataSource dataSource = new DriverManagerDataSource(properties.getProperty("url"), properties.getProperty("username"),
                properties.getProperty("password"));
        return JdbcClient.create(dataSource);
    }

    /** The last lines of every component's log, for a failure message. */
    String logTails() {
        StringBuilder tails = new StringBuilder();
        try (var logs = Files.list(directory.resolve("logs"))) {
            for (Path log : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                tails.append("==> ").append(log.getFileName()).append(" <==\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()))).append('\n');
            }
        } catch (IOException | UncheckedIOException e) {
            tails.append("(no logs: ").append(e).append(")");
        }
        return tails.toString();
    }

    /** Every component's log, joined, to look for a message. */
    String allLogs() {
        StringBuilder all = new StringBuilder();
        try (var logs = Files.list(directory.resolve("logs"))) {
            for (Path log : logs.sorted().toList()) {
                all.append(Files.readString(log, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Override
    public void close() {
        run("stop");
    }
}
