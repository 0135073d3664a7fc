package io.picflow.command.downloads.fetch;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The download worker's knobs ({@code picflow.downloads.*}); defaults serve the embedded run.
 *
 * @param storageDir              where images, thumbnails and partial files live (shared with the query side)
 * @param allowPrivateAddresses   allow loopback and private networks (tests, on-premise); off by default
 * @param maxBytes                the largest image accepted
 * @param maxPixels               the largest width x height accepted (decompression bombs)
 * @param maxRedirects            redirects followed per fetch
 * @param connectTimeout          TCP/TLS connect timeout
 * @param stallTimeout            no byte for this long: the transfer stalled (transient)
 * @param overallTimeout          the longest a fetch may take
 * @param dnsTimeout              the longest a DNS lookup may take
 * @param globalConcurrency       fetches running at once, in all
 * @param perHostConcurrency      fetches running at once against one host
 * @param watchdogMargin          added to the overall timeout before the watchdog presumes a worker lost
 * @param thumbnailSize           the longest side of a thumbnail, in pixels
 * @param maxActivePerUser        downloads a user may have unfinished at once (429 beyond)
 * @param maxRequestsPerMinute    download requests a user may make per minute (429 beyond)
 * @param processingThreads       images validated, decoded and stored at once (default: one per core)
 * @param heartbeatInterval       how often a node publishes the fetches it has ({@code fetch_heartbeat})
 * @param heartbeatStaleAfter     a node whose heartbeat is this old is presumed dead: its fetches are taken over
 */
@ConfigurationProperties("picflow.downloads")
public record DownloadsProperties(
        Path storageDir,
        boolean allowPrivateAddresses,
        long maxBytes,
        long maxPixels,
        int maxRedirects,
        Duration connectTimeout,
        Duration stallTimeout,
        Duration overallTimeout,
        Duration dnsTimeout,
        int globalConcurrency,
        int perHostConcurrency,
        Duration watchdogMargin,
        int thumbnailSize,
        int maxActivePerUser,
        int maxRequestsPerMinute,
        int processingThreads,
        Duration heartbeatInterval,
        Duration heartbeatStaleAfter) {

    public DownloadsProperties {
        storageDir = storageDir == null ? Path.of("picflow-data", "images") : storageDir;
        maxBytes = maxBytes > 0 ? maxBytes : 50L * 1024 * 1024;
        maxPixels = maxPixels > 0 ? maxPixels : 100_000_000L;
        maxRedirects = maxRedirects > 0 ? maxRedirects : 5;
        connectTimeout = orDefault(connectTimeout, Duration.ofSeconds(10));
        stallTimeout = orDefault(stallTimeout, Duration.ofSeconds(30));
        overallTimeout = orDefault(overallTimeout, Duration.ofMinutes(10));
        dnsTimeout = orDefault(dnsTimeout, Duration.ofSeconds(5));
        globalConcurrency = globalConcurrency > 0 ? globalConcurrency : 16;
        perHostConcurrency = perHostConcurrency > 0 ? perHostConcurrency : 4;
        watchdogMargin = orDefault(watchdogMargin, Duration.ofMinutes(2));
        thumbnailSize = thumbnailSize > 0 ? thumbnailSize : 256;
        maxActivePerUser = maxActivePerUser > 0 ? maxActivePerUser : 100;
        maxRequestsPerMinute = maxRequestsPerMinute > 0 ? maxRequestsPerMinute : 120;
        processingThreads = processingThreads > 0 ? processingThreads : Runtime.getRuntime().availableProcessors();
        heartbeatInterval = orDefault(heartbeatInterval, Duration.ofSeconds(10));
        heartbeatStaleAfter = orDefault(heartbeatStaleAfter, Duration.ofSeconds(30));
        if (heartbeatStaleAfter.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("picflow.downloads.heartbeat-stale-after (" + heartbeatStaleAfter
                    + ") must be at least twice picflow.downloads.heartbeat-interval (" + heartbeatInterval
                    + "), or live nodes' fetches would be taken from them between two beats");
        }
    }

    private static Duration orDefault(Duration value, Duration fallback) {
        return value == null || value.isZero() || value.isNegative() ? fallback : value;
    }

    /** How long after a fetch starts its watchdog presumes the worker lost. */
    public Duration watchdogTimeout() {
        return overallTimeout.plus(watchdogMargin);
    }
}
