package io.picflow.query.downloads;

import io.picflow.query.BatchedWrites;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch of download events folded per download: the requests to insert, and for each download one
 * change holding the last value of every column its events set. Folding is exact because every change
 * sets absolute values, and a download's events arrive in order (they share a segment).
 */
final class DownloadBatch implements BatchedWrites.Batch {

    /** The columns a download's events in this batch set, the last of their sequence numbers, and its time. */
    static final class FoldedChange {
        final String downloadId;
        final Map<String, Object> columns = new LinkedHashMap<>();
        long sequence;
        Instant at;

        FoldedChange(String downloadId) {
            this.downloadId = downloadId;
        }

        void fold(long sequence, Instant at, DownloadChange change) {
            columns.putAll(change.columns());
            this.sequence = sequence;
            this.at = at;
        }
    }

    private final DownloadReadModel downloads;
    private final Map<String, DownloadView> requested = new LinkedHashMap<>();
    private final Map<String, FoldedChange> changes = new LinkedHashMap<>();

    DownloadBatch(DownloadReadModel downloads) {
        this.downloads = downloads;
    }

    void requested(DownloadView download) {
        requested.putIfAbsent(download.downloadId(), download);
    }

    void changed(String downloadId, long sequence, Instant at, DownloadChange change) {
        changes.computeIfAbsent(downloadId, FoldedChange::new).fold(sequence, at, change);
    }

    @Override
    public void flush() {
        downloads.insertRequested(requested.values());
        downloads.apply(changes.values());
        requested.clear();
        changes.clear();
    }
}
