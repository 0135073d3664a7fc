package io.picflow.command.downloads;

import io.picflow.command.CommandSender;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/downloads}: accept a download request and answer 202 with where to follow it. */
@RestController
class DownloadCommandController {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern VALID_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /** The answer to an accepted request. */
    record DownloadAccepted(String downloadId, String correlationId, String status) {
    }

    private final CommandSender commands;
    private final IdempotencyKeys idempotencyKeys;
    private final TransactionTemplate transaction;
    private final DownloadQuotas quotas;
    private final Counter requested;
    private final Counter replayed;

    DownloadCommandController(CommandSender commands, IdempotencyKeys idempotencyKeys, TransactionTemplate transaction,
            DownloadQuotas quotas, MeterRegistry meters) {
        this.quotas = quotas;
        this.commands = commands;
        this.idempotencyKeys = idempotencyKeys;
        this.transaction = transaction;
        this.requested = Counter.builder("picflow.downloads.requested")
                .description("Download requests accepted (new downloads)").register(meters);
        this.replayed = Counter.builder("picflow.downloads.idempotent.replays")
                .description("Repeated requests answered from their Idempotency-Key").register(meters);
    }

    @PostMapping(path = "/api/downloads", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<DownloadAccepted> requestDownload(@Valid @RequestBody DownloadRequestBody body,
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
            HttpServletRequest request) {
        CurrentUser user = CurrentUser.get();
        String correlationId = CorrelationIdFilter.of(request);
        RequestImageDownload command = new RequestImageDownload(UUID.randomUUID().toString(),
                DownloadUrls.requireFetchable(body.url()), body.fileNameOrNull(), body.tagsOrEmpty(), user.id());
        if (idempotencyKey == null) {
            // One transaction for the quota's count and the command: one commit per request, not three.
            return transaction.execute(status -> {
                quotas.requireRoomFor(user.id());
                send(command, user, correlationId);
                return accepted(new DownloadAccepted(command.downloadId(), correlationId, DownloadStatus.REQUESTED.name()), false);
            });
        }
        if (!VALID_KEY.matcher(idempotencyKey).matches()) {
            throw ProblemException.badRequest(IDEMPOTENCY_KEY + ": 1 to 255 visible ASCII characters");
        }
        return transaction.execute(status -> requestOnce(command, user, idempotencyKey, correlationId));
    }

    /** Runs in one transaction with the command, so that the key and the download commit together. */
    private ResponseEntity<DownloadAccepted> requestOnce(RequestImageDownload command, CurrentUser user, String key, String correlationId) {
        String userId = command.requestedBy();
        if (!idempotencyKeys.tryLock(userId, key)) {
            throw ProblemException.conflict("A request with this Idempotency-Key is still being processed; retry later");
        }
        String hash = fingerprint(command);
        Optional<IdempotencyKeys.Stored> earlier = idempotencyKeys.find(userId, key);
        if (earlier.isPresent()) {
            if (!earlier.get().requestHash().equals(hash)) {
                throw ProblemException.unprocessable("This Idempotency-Key was used with a different request body");
            }
            replayed.increment();
            return accepted(new DownloadAccepted(earlier.get().downloadId(), earlier.get().correlationId(),
                    DownloadStatus.REQUESTED.name()), true);
        }
        quotas.requireRoomFor(userId);
        idempotencyKeys.insert(userId, key, new IdempotencyKeys.Stored(hash, command.downloadId(), correlationId));
        send(command, user, correlationId);
        return accepted(new DownloadAccepted(command.downloadId(), correlationId, DownloadStatus.REQUESTED.name()), false);
    }

    /** The root of the causal chain: the request itself is the cause of the first command. */
    private void send(RequestImageDownload command, CurrentUser user, String correlationId) {
        commands.send(command, user, correlationId);
        requested.increment();
    }

    private static ResponseEntity<DownloadAccepted> accepted(DownloadAccepted body, boolean replayed) {
        return ResponseEntity.accepted()
                .location(URI.create("/api/downloads/" + body.downloadId()))
                .header("Idempotent-Replayed", Boolean.toString(replayed))
                .body(body);
    }

    private static String fingerprint(RequestImageDownload command) {
        String canonical = String.join("\u001e", command.url(), command.fileName() == null ? "\u0000" : command.fileName(),
                String.join("\u001f", command.tags() == null ? List.of() : command.tags()));
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
