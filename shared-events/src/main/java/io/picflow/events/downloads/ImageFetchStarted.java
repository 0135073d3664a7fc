package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * Attempt {@code attempt} of a download started fetching.
 *
 * @param fetch      the number of this fetch among all of the download's fetches (attempts and resumes);
 *                   the fetch worker's reports carry it, so that a late report of an abandoned fetch is ignored
 * @param resumeFrom the byte offset the fetch continues from (0 for a fresh start, more when resuming a paused transfer)
 */
@Revision("1")
public record ImageFetchStarted(String downloadId, int attempt, int fetch, long resumeFrom) implements DownloadEvent {
}
