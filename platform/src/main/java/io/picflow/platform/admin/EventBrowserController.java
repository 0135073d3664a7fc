package io.picflow.platform.admin;

import io.picflow.platform.security.CurrentUser;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/admin/events}: the stored events, filtered and paged, with payload and metadata, for
 * operators who need to see what happened (admin role only, see SecurityConfiguration). Filtering by
 * {@code correlationId} answers "what did this user action cause": every event it led to, in order. Other
 * users' download URLs in the payloads are redacted ({@link RedactedPayloads}).
 */
@RestController
public class EventBrowserController {

    private final EventStoreBrowser browser;
    private final EventTypes types;

    public EventBrowserController(EventStoreBrowser browser, EventTypes types) {
        this.browser = browser;
        this.types = types;
    }

    /**
     * Events in position order. Blank parameters are no filter; {@code from} is inclusive and {@code to}
     * exclusive (ISO-8601 instants); {@code type} is a simple name such as {@code ImageDownloadRequested}.
     */
    @GetMapping("/api/admin/events")
    public EventPage events(@RequestParam(required = false) String type,
            @RequestParam(required = false) String aggregateId,
            @RequestParam(required = false) String correlationId,
            @RequestParam(required = false) String from,
            @RequestParam(required = false) String to,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "" + EventQuery.DEFAULT_SIZE) int size) {
        return RedactedPayloads.shownTo(CurrentUser.get(),
                browser.page(EventQuery.of(types, type, aggregateId, correlationId, from, to, page, size)));
    }
}
