package io.picflow.command.downloads.fetch;

/**
 * Does the I/O of downloads and reports back with commands. The process manager starts and stops
 * fetches through this port; it never touches the network itself.
 */
public interface FetchWorker {

    /** Queues the fetch; it runs when the global and per-host limits allow, in order of arrival. */
    void start(FetchJob job);

    /**
     * Stops the download's fetch if its number is at most {@code upToFetch} (queued or running, on this node or on
     * another), keeping what was received for a resume.
     */
    void pause(String downloadId, int upToFetch);

    /** As {@link #pause}, and deletes what was received. */
    void discard(String downloadId, int upToFetch);

    /**
     * Whether this node, or another that published a heartbeat recently, still has that fetch queued, or
     * transferring or processing (and since when), or nobody has it.
     */
    FetchState stateOf(String downloadId, int fetch);
}
