package io.picflow.command.devices;

import io.picflow.command.UserActivity;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A user's own push devices (command side: their tokens are credentials, kept out of the event store and the query
 * side). {@code POST} registers one (201; the same token again answers 200 with the same device), {@code GET} lists
 * them, {@code DELETE .../{deviceId}} removes one (204, 404 if it is not the caller's).
 */
@RestController
class DevicesController {

    static final String PATH = "/api/users/me/devices";
    /** The longest token taken: FCM's are about 160 characters, APNs' 64 hex digits; this leaves room for what comes next. */
    static final int MAX_TOKEN = 4096;
    private static final Set<String> PLATFORMS = Set.of(Device.FCM, Device.APNS);

    private final Devices devices;
    private final UserActivity activity;
    private final TransactionTemplate transaction;

    DevicesController(Devices devices, UserActivity activity, TransactionTemplate transaction) {
        this.devices = devices;
        this.activity = activity;
        this.transaction = transaction;
    }

    record Listed(List<Device> items) {
    }

    @PostMapping(PATH)
    ResponseEntity<Device> register(@RequestBody JsonNode body, HttpServletRequest request) {
        String me = CurrentUser.get().id();
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("body: must be a JSON object with platform and token");
        }
        for (String name : body.propertyNames()) {
            if (!name.equals("platform") && !name.equals("token")) {
                throw ProblemException.badRequest(name + ": unknown field; give platform and token");
            }
        }
        JsonNode platform = body.get("platform");
        if (platform == null || !platform.isString() || !PLATFORMS.contains(platform.asString())) {
            throw ProblemException.badRequest("platform: must be fcm or apns");
        }
        String token = token(body.get("token")); // never echoed: a problem names the field, not the value
        String correlationId = CorrelationIdFilter.of(request);
        Devices.Registration registration = transaction.execute(status -> {
            activity.requireNotErased(me);
            return devices.register(me, platform.asString(), token, correlationId);
        });
        return ResponseEntity.status(registration.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .location(URI.create(PATH + "/" + registration.device().deviceId())).body(registration.device());
    }

    @GetMapping(PATH)
    Listed list() {
        return new Listed(devices.of(CurrentUser.get().id()));
    }

    @DeleteMapping(PATH + "/{deviceId}")
    ResponseEntity<Void> remove(@PathVariable String deviceId, HttpServletRequest request) {
        String me = CurrentUser.get().id();
        String correlationId = CorrelationIdFilter.of(request);
        boolean removed = Boolean.TRUE.equals(transaction.execute(status -> {
            activity.requireNotErased(me);
            return devices.remove(me, deviceId, correlationId);
        }));
        if (!removed) {
            throw ProblemException.notFound("No device " + deviceId); // or another user's: the same answer
        }
        return ResponseEntity.noContent().build();
    }

    /** Visible ASCII only: tokens of both platforms are, and anything else (spaces, controls) is a client's mistake. */
    private static String token(JsonNode node) {
        if (node == null || !node.isString() || node.asString().isBlank()) {
            throw ProblemException.badRequest("token: must be a non-blank string");
        }
        String token = node.asString();
        if (token.length() > MAX_TOKEN) {
            throw ProblemException.badRequest("token: must be at most " + MAX_TOKEN + " characters");
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ProblemException.badRequest("token: must be printable ASCII without spaces");
        }
        return token;
    }
}
