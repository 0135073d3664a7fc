package io.picflow.command.downloads;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.picflow.events.downloads.ImageDownloadRequested;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * One image download: owns its state machine and decides which transitions are allowed.
 * Fields are visible to Jackson because snapshots serialize the aggregate itself.
 */
@Aggregate(snapshotTriggerDefinition = "imageDownloadSnapshotTrigger")
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImageDownload {

    @AggregateIdentifier
    private String downloadId;
    private String requestedBy;
    private DownloadStatus status;

    protected ImageDownload() {
        // for Axon and Jackson
    }

    @CommandHandler
    public ImageDownload(RequestImageDownload command) {
        apply(new ImageDownloadRequested(command.downloadId(), command.url(), command.fileName(), command.tags(),
                command.requestedBy()));
    }

    @EventSourcingHandler
    void on(ImageDownloadRequested event) {
        this.downloadId = event.downloadId();
        this.requestedBy = event.requestedBy();
        this.status = DownloadStatus.REQUESTED;
    }

    DownloadStatus status() {
        return status;
    }

    String requestedBy() {
        return requestedBy;
    }
}
