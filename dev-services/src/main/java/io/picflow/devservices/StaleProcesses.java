package io.picflow.devservices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up what a run killed with {@code kill -9} leaves behind: child servers whose parent died
 * keep running and keep their data directories locked. Both servers record their pid in a file.
 */
final class StaleProcesses {

    private static final Logger log = LoggerFactory.getLogger(StaleProcesses.class);
    private static final Duration GRACE = Duration.ofSeconds(30);

    private StaleProcesses() {
    }

    /** Stops a postmaster still running on {@code dataDirectory} (its pid is the first line of postmaster.pid). */
    static void stopPostmasterOf(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(p -> commandLineOf(p).contains("postgres"))
                .ifPresent(p -> stopStale(p, "PostgreSQL"));
    }

    /** Stops the process whose pid {@code pidFile} holds, if it is still running and is an Elasticsearch. */
    static void stopElasticsearch(Path pidFile) throws IOException {
        readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(p -> commandLineOf(p).contains("elasticsearch"))
                .ifPresent(p -> stopStale(p, "Elasticsearch"));
        Files.deleteIfExists(pidFile);
    }

    private static void stopStale(ProcessHandle process, String what) {
        log.warn("Stopping a {} left running by an earlier run (pid {})", what, process.pid());
        stop(process);
    }

    /** SIGTERM to the process and its descendants; SIGKILL if they are still there after a grace period. */
    static void stop(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            process.onExit().get(GRACE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception timeoutOrInterrupt) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    private static Optional<Long> readPid(Path pidFile) throws IOException {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        String first = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
        try {
            return Optional.of(Long.parseLong(first));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String commandLineOf(ProcessHandle process) {
        // /proc holds the full command line; ProcessHandle.info() often shows only the executable.
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return process.info().commandLine().orElse("");
        }
    }
}
