package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The bytes are an image of a supported format, decided from its magic bytes.
 *
 * @param format one of JPEG, PNG, GIF, WEBP
 */
@Revision("1")
public record ImageValidated(String downloadId, int attempt, String format, int width, int height) implements DownloadEvent {
}
