package io.picflow.standalone;

import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One of our packaged jars, run as a real process, for tests that need process boundaries. */
final class ServiceProcess implements AutoCloseable {

    final Process process;
    final int port;
    final Path log;

    private ServiceProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ServiceProcess start(String jarProperty, Path workingDirectory, Map<String, String> environment, String... args) {
        String jar = System.getProperty(jarProperty);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("Packaged jar not found (" + jarProperty + "=" + jar + "): run through 'mvnw verify'");
        }
        try {
            Files.createDirectories(workingDirectory);
            int port = freePort();
            Path log = Files.createTempFile(workingDirectory, "service", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-Daxoniq.update-checker.disabled=true", "-Ddisable-axoniq-console-message=true",
                    "-jar", jar));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            builder.environment().put("PICFLOW_HTTP_PORT", Integer.toString(port));
            return new ServiceProcess(builder.start(), port, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ApiClient api() {
        return ApiClient.onPort(port);
    }

    /** Waits until /actuator/health answers 200 (all components up), failing early if the process dies. */
    ServiceProcess awaitHealthy(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("process exited with " + process.exitValue() + ":\n" + logTail());
            }
            return api().get("/actuator/health", null).statusCode() == 200;
        });
        return this;
    }

    List<ProcessHandle> children() {
        return process.descendants().toList();
    }

    /** SIGTERM, as Ctrl-C or a service manager would stop it, and wait for the exit. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("did not stop within 60 s:\n" + logTail());
        }
        return process.exitValue();
    }

    /** kill -9: no shutdown hooks run, children are orphaned. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Each log line containing {@code marker}, with the {@code after} lines that follow it (its stack trace). */
    String logExcerpts(String marker, int after) {
        try {
            List<String> lines = Files.readAllLines(log);
            StringBuilder excerpts = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(marker)) {
                    lines.subList(i, Math.min(lines.size(), i + 1 + after)).forEach(line -> excerpts.append(line).append('\n'));
                }
            }
            return excerpts.length() == 0 ? "(no line contains " + marker + ")" : excerpts.toString();
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
