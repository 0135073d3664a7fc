package io.picflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The service JVM seen through {@code /proc/<pid>}: its command line, and its memory from
 * {@code /proc/<pid>/status} (that process only: the PostgreSQL and Elasticsearch children are separate
 * processes and are not counted).
 */
final class LifecycleServiceProcess {

    private final long pid;
    private final List<String> commandLine;

    private LifecycleServiceProcess(long pid, List<String> commandLine) {
        this.pid = pid;
        this.commandLine = commandLine;
    }

    /** Fails when the process does not exist or its status cannot be read. */
    static LifecycleServiceProcess of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
        List<String> arguments = new ArrayList<>(Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0")));
        arguments.removeIf(String::isEmpty);
        LifecycleServiceProcess process = new LifecycleServiceProcess(pid, List.copyOf(arguments));
        process.statusKilobytes("VmRSS"); // readable now, or fail early
        return process;
    }

    long pid() {
        return pid;
    }

    /** The command line looks like the standalone jar's (a sanity check on --service-pid). */
    boolean looksLikeService() {
        return commandLine.stream().anyMatch(argument -> argument.contains("picflow-standalone"));
    }

    /** The JVM options: the arguments between the executable and {@code -jar} (or the main class). */
    List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        for (int i = 1; i < commandLine.size(); i++) {
            String argument = commandLine.get(i);
            if (argument.equals("-jar") || !argument.startsWith("-")) {
                break;
            }
            options.add(argument);
        }
        return options;
    }

    /** {@code MALLOC_ARENA_MAX} in the process's environment, or null (unset, or the environment is unreadable). */
    String mallocArenaMax() {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            for (String variable : new String(raw, StandardCharsets.UTF_8).split("\0")) {
                if (variable.startsWith("MALLOC_ARENA_MAX=")) {
                    return variable.substring("MALLOC_ARENA_MAX=".length());
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The value of the last {@code -Xmx} option (as given, e.g. {@code 512m}), or null when none was given. */
    String maxHeap() {
        String value = null;
        for (String option : jvmOptions()) {
            if (option.startsWith("-Xmx")) {
                value = option.substring(4);
            }
        }
        return value;
    }

    /** A {@code kB} field of {@code /proc/<pid>/status} (VmRSS, VmHWM, ...). */
    long statusKilobytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
            if (line.startsWith(field + ":")) {
                String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                return Long.parseLong(parts[0]);
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    boolean isAlive() {
        return Files.exists(Path.of("/proc", Long.toString(pid), "status"));
    }

    /**
     * Resets VmHWM to the current RSS ({@code echo 5 > /proc/<pid>/clear_refs}, Linux 4.0+), so that the
     * peak read later covers only what happened since. Returns null on success, otherwise why not.
     */
    String resetPeak() {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }
}
