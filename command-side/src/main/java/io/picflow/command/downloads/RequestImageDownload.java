package io.picflow.command.downloads;

import java.util.List;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Ask for the image at {@code url} to be downloaded; creates the {@link ImageDownload}. */
public record RequestImageDownload(
        @TargetAggregateIdentifier String downloadId, String url, String fileName, List<String> tags, String requestedBy) {
}
