package io.picflow.command.downloads.fetch;

/**
 * Does the I/O of downloads and reports back with commands. The process manager starts and stops
 * fetches through this port; it never touches the network itself.
 */
public interface FetchWorker {

    /** Queues the fetch; it runs when the global and per-host limits allow, in order of arrival. */
    void start(FetchJob job);

    /** Stops the download's fetch (queued or running), keeping what was received for a resume. */
    void pause(String downloadId);

    /** Stops the download's fetch and deletes what was received. */
    void discard(String downloadId);

    /**
     * Whether this node, or another that published a heartbeat recently, still has that fetch queued, or
     * transferring or processing (and since when), or nobody has it.
     */
    FetchState stateOf(String downloadId, int fetch);
}
