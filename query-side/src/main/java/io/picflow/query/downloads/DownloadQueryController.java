package io.picflow.query.downloads;

import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import io.picflow.query.PageView;
import io.picflow.query.ReadModelUpdates;
import io.picflow.query.cache.ReadCache;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.Optional;
import io.picflow.events.downloads.ImageDownloadRequested;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Reads downloads. Users see their own; admins see any by id, with other users' URLs redacted ({@link DownloadView#shownTo}). */
@RestController
class DownloadQueryController {

    private final DownloadReadModel downloads;
    private final ReadCache cache;
    private final ReadModelUpdates updates;
    private final EventStore eventStore;
    private final Duration readYourWritesWait;

    DownloadQueryController(DownloadReadModel downloads, ReadCache cache, ReadModelUpdates updates, EventStore eventStore,
            @Value("${picflow.query.read-your-writes-wait:5s}") Duration readYourWritesWait) {
        this.downloads = downloads;
        this.cache = cache;
        this.updates = updates;
        this.eventStore = eventStore;
        this.readYourWritesWait = readYourWritesWait;
    }

    @GetMapping(path = "/api/downloads/{downloadId}", produces = MediaType.APPLICATION_JSON_VALUE)
    DownloadView get(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}", message = "downloadId: not a valid id") String downloadId) {
        CurrentUser user = CurrentUser.get();
        Optional<DownloadView> download = find(downloadId);
        if (download.isEmpty() && acceptedFor(user, downloadId)) {
            // Accepted but not projected yet (the POST just returned): wait for the projections, briefly.
            download = updates.awaitPresent(() -> find(downloadId), readYourWritesWait);
        }
        return download.filter(d -> user.mayAccess(d.requestedBy()))
                .map(d -> d.shownTo(user))
                .orElseThrow(() -> ProblemException.notFound("No download " + downloadId));
    }

    /** From the cache when it holds the download, else from PostgreSQL. */
    private Optional<DownloadView> find(String downloadId) {
        return cache.download(downloadId).or(() -> downloads.find(downloadId));
    }

    /** Whether the event store holds this download, requested by someone the caller may see. */
    private boolean acceptedFor(CurrentUser user, String downloadId) {
        // From sequence 0: the event itself, never a snapshot (snapshots are the command side's business).
        DomainEventStream events = eventStore.readEvents(downloadId, 0);
        return events.hasNext()
                && events.next().getPayload() instanceof ImageDownloadRequested requested
                && user.mayAccess(requested.requestedBy());
    }

    @GetMapping(path = "/api/downloads", produces = MediaType.APPLICATION_JSON_VALUE)
    PageView<DownloadView> list(@RequestParam(required = false) DownloadStatus status,
            @RequestParam(defaultValue = "0") @Min(value = 0, message = "page: must be 0 or more") int page,
            @RequestParam(defaultValue = "20") @Min(value = 1, message = "size: must be 1 to 100")
            @Max(value = 100, message = "size: must be 1 to 100") int size) {
        String user = CurrentUser.get().id();
        return new PageView<>(downloads.page(user, status, page, size), page, size, downloads.count(user, status));
    }
}
