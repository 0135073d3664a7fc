package io.picflow.command.downloads;

import io.picflow.command.downloads.DownloadCommands.CancelImageDownload;
import io.picflow.command.downloads.DownloadCommands.PauseImageDownload;
import io.picflow.command.downloads.DownloadCommands.ResumeImageDownload;
import io.picflow.command.downloads.DownloadCommands.RetryImageDownload;
import io.picflow.command.downloads.DownloadExceptions.DownloadNotFound;
import io.picflow.command.downloads.DownloadExceptions.TransitionNotAllowed;
import io.picflow.events.downloads.ImageDownloadCancelled;
import io.picflow.command.CommandSender;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/downloads/{id}/pause|resume|cancel|retry}: 202, or 404/409 as problems. */
@RestController
class DownloadControlController {

    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    /** The answer to an accepted control command. */
    record ControlAccepted(String downloadId, String correlationId) {
    }

    private final CommandSender commands;
    private final DownloadQuotas quotas;

    DownloadControlController(CommandSender commands, DownloadQuotas quotas) {
        this.commands = commands;
        this.quotas = quotas;
    }

    @PostMapping(path = "/api/downloads/{downloadId}/pause", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> pause(@PathVariable String downloadId, HttpServletRequest request) {
        return control(downloadId, request, (user, id) -> new PauseImageDownload(id, user.id(), user.admin()));
    }

    @PostMapping(path = "/api/downloads/{downloadId}/resume", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> resume(@PathVariable String downloadId, HttpServletRequest request) {
        return control(downloadId, request, (user, id) -> new ResumeImageDownload(id, user.id(), user.admin()));
    }

    @PostMapping(path = "/api/downloads/{downloadId}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> cancel(@PathVariable String downloadId, HttpServletRequest request) {
        return control(downloadId, request, (user, id) -> new CancelImageDownload(id, user.id(), user.admin(), ImageDownloadCancelled.USER));
    }

    @PostMapping(path = "/api/downloads/{downloadId}/retry", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> retry(@PathVariable String downloadId, HttpServletRequest request) {
        // A retry makes a download active again: it counts against the same per-user limits as a new one.
        // (Admins retry other users' downloads; the limits are the owners', so they are not checked here.)
        CurrentUser caller = CurrentUser.get();
        if (!caller.admin() && VALID_ID.matcher(downloadId).matches()) {
            quotas.requireRoomFor(caller.id());
        }
        return control(downloadId, request, (user, id) -> new RetryImageDownload(id, user.id(), user.admin()));
    }

    private ResponseEntity<ControlAccepted> control(String downloadId, HttpServletRequest request,
            BiFunction<CurrentUser, String, Object> command) {
        if (!VALID_ID.matcher(downloadId).matches()) {
            throw ProblemException.notFound("No download " + downloadId);
        }
        CurrentUser user = CurrentUser.get();
        String correlationId = CorrelationIdFilter.of(request);
        try {
            // Retried when it loses a race (a progress report, another node); an exhausted race is a 409.
            commands.send(command.apply(user, downloadId), user, correlationId);
        } catch (DownloadNotFound | AggregateNotFoundException e) {
            throw ProblemException.notFound("No download " + downloadId);
        } catch (TransitionNotAllowed e) {
            throw ProblemException.conflict(e.getMessage());
        }
        return ResponseEntity.accepted().location(URI.create("/api/downloads/" + downloadId))
                .body(new ControlAccepted(downloadId, correlationId));
    }
}
