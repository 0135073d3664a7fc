package io.picflow.command.notifications;

import io.picflow.platform.security.DevTokenController;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/dev/outbox}: what the embedded run's stand-in providers of SMS and push recorded instead of sending,
 * newest first, under the same conditions as dev tokens (the embedded run only, local and unproxied requests only).
 */
@RestController
@ConditionalOnProperty(name = "picflow.security.dev-tokens", havingValue = "true")
class DevOutboxController {

    private final DevOutbox outbox;

    DevOutboxController(DevOutbox outbox) {
        this.outbox = outbox;
    }

    record Outbox(List<DevOutbox.Entry> messages) {
    }

    @GetMapping("/api/dev/outbox")
    Outbox outbox(HttpServletRequest http) {
        DevTokenController.requireLocal(http, "The dev outbox is", "shown");
        return new Outbox(outbox.entries());
    }
}
