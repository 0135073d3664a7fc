package io.picflow.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Elasticsearch node run as a child process of this JVM, from the integ-test distribution.
 *
 * <p>Elasticsearch refuses to run as root. When we are root, the node runs in a user namespace that
 * maps us to an unprivileged uid ({@code unshare --map-user=1000}): files stay ours and writable.
 * The node runs in the foreground so that it stops with us; its pid file lets the next start stop a
 * node orphaned by a {@code kill -9} of this JVM.
 */
public final class ElasticsearchServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ElasticsearchServer.class);
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path logFile;

    private ElasticsearchServer(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /**
     * Launches a node and returns at once; call {@link #awaitReady} before using it.
     *
     * @param home        the unpacked distribution (shared, never written to)
     * @param instanceDir this node's config, data, logs and pid file
     * @param port        the HTTP port, or 0 for any free port
     * @param heapMb      the JVM heap of the node (without a setting it takes a quarter of the RAM)
     */
    public static ElasticsearchServer launch(Path home, Path instanceDir, int port, int heapMb) {
        return launch(home, instanceDir, port, heapMb, false);
    }

    /**
     * As {@link #launch(Path, Path, int, int)}; with {@code inBackground} the node runs at a lower CPU priority
     * ({@code nice -n 10}), so that it starts in the cores the application leaves idle instead of slowing the
     * application's own start-up (the embedded run answers requests long before search is ready).
     */
    public static ElasticsearchServer launch(Path home, Path instanceDir, int port, int heapMb, boolean inBackground) {
        try {
            Files.createDirectories(instanceDir);
            Path pidFile = instanceDir.resolve("elasticsearch.pid");
            StaleProcesses.stopElasticsearch(pidFile);
            Path config = prepareConfig(home, instanceDir);
            int httpPort = port > 0 ? port : freePort();
            Path logFile = instanceDir.resolve("console.log");

            List<String> command = new ArrayList<>();
            if (inBackground) {
                command.addAll(List.of("nice", "-n", "10"));
            }
            if (runningAsRoot()) {
                command.addAll(List.of("unshare", "--map-user=1000", "--map-group=1000"));
            }
            command.addAll(List.of(home.resolve("bin/elasticsearch").toString(),
                    "-p", pidFile.toString(),
                    "-E", "discovery.type=single-node",
                    "-E", "network.host=127.0.0.1",
                    "-E", "http.port=" + httpPort,
                    "-E", "transport.port=0",
                    // Without this, 8.19 rewrites its config and turns on TLS and authentication.
                    "-E", "xpack.security.enabled=false",
                    "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
                    "-E", "path.data=" + instanceDir.resolve("data"),
                    "-E", "path.logs=" + instanceDir.resolve("logs")));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()));
            builder.environment().put("ES_JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("ES_JAVA_OPTS", "-Xms" + heapMb + "m -Xmx" + heapMb + "m");
            builder.environment().put("ES_PATH_CONF", config.toString());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            Process process = builder.start();
            log.info("Elasticsearch {} starting on 127.0.0.1:{} (pid {}, log {})",
                    home.getFileName(), httpPort, process.pid(), logFile);
            return new ElasticsearchServer(process, httpPort, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Elasticsearch from " + home, e);
        }
    }

    /** Blocks until the node answers a cluster health request, or fails with its last log lines. */
    public ElasticsearchServer awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest health = HttpRequest.newBuilder(URI.create(url() + "/_cluster/health"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Elasticsearch exited with " + process.exitValue() + ":\n" + tailOfLog());
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYetListening) {
                // keep waiting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Elasticsearch", e);
            }
            try {
                // Polling a child process we do not control; there is no completion signal to wait on.
                process.waitFor(250, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Elasticsearch", e);
            }
        }
        throw new IllegalStateException("Elasticsearch not ready after " + timeout + ":\n" + tailOfLog());
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            StaleProcesses.stop(process.toHandle());
        }
    }

    private static Path prepareConfig(Path home, Path instanceDir) throws IOException {
        Path config = instanceDir.resolve("config");
        if (!Files.isDirectory(config)) {
            Path staging = Files.createTempDirectory(instanceDir, "config");
            try (Stream<Path> files = Files.walk(home.resolve("config"))) {
                for (Path source : files.toList()) {
                    Path target = staging.resolve(home.resolve("config").relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Files.move(staging, config, StandardCopyOption.ATOMIC_MOVE);
        }
        return config;
    }

    private static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private String tailOfLog() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + logFile + ")";
        }
    }
}
