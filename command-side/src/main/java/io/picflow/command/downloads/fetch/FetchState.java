package io.picflow.command.downloads.fetch;

import java.time.Instant;

/**
 * What the workers know of one fetch, for the watchdog: nobody has it ({@link Phase#LOST}), it waits for a slot
 * behind the concurrency limits ({@link Phase#QUEUED}), or it has been transferring or processing since
 * {@code runningSince} ({@link Phase#RUNNING}). Only running time counts against the watchdog's cap.
 */
public record FetchState(Phase phase, Instant runningSince) {

    public enum Phase { LOST, QUEUED, RUNNING }

    public static final FetchState LOST = new FetchState(Phase.LOST, null);
    public static final FetchState QUEUED = new FetchState(Phase.QUEUED, null);

    public static FetchState runningSince(Instant since) {
        return new FetchState(Phase.RUNNING, since);
    }

    /** A heartbeat row's {@code running_since}: null while the fetch is queued. */
    static FetchState alive(Instant runningSince) {
        return runningSince == null ? QUEUED : runningSince(runningSince);
    }
}
