package io.picflow.command.downloads.fetch;

import okhttp3.HttpUrl;

/**
 * One fetch of one download, as the process manager hands it to the worker, with the ids the
 * worker's reports must carry to stay on the download's causal chain.
 */
public record FetchJob(String downloadId, int fetch, String url, String correlationId, String causationId, String userId) {

    /** The host the per-host limit counts against. */
    String host() {
        HttpUrl parsed = HttpUrl.parse(url);
        return parsed == null ? "" : parsed.host();
    }
}
