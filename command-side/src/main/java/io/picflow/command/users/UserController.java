package io.picflow.command.users;

import io.picflow.command.CommandSender;
import io.picflow.platform.correlation.CorrelationIdFilter;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/users} (register yourself), {@code DELETE /api/users/me/contact} (erase your contact details)
 * and {@code DELETE /api/users/me} (erase yourself: ADR 0011, docs/api.md).
 */
@RestController
class UserController {

    private final CommandSender commands;
    private final UserContacts contacts;
    private final TransactionTemplate transaction;
    private final UserErasure erasure;

    UserController(CommandSender commands, UserContacts contacts, TransactionTemplate transaction, UserErasure erasure) {
        this.commands = commands;
        this.contacts = contacts;
        this.transaction = transaction;
        this.erasure = erasure;
    }

    record Registration(
            @NotBlank @Size(max = 100) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "no control characters") String displayName,
            @Email @Size(max = 320) String email) {
    }

    record Accepted(String userId, String correlationId) {
    }

    @PostMapping("/api/users")
    ResponseEntity<Accepted> register(@Valid @RequestBody Registration registration, HttpServletRequest request) {
        CurrentUser user = CurrentUser.get();
        String correlationId = CorrelationIdFilter.of(request);
        String displayName = registration.displayName().strip();
        try {
            // The contact row and the profile event commit together, or neither does.
            transaction.executeWithoutResult(status -> {
                // The command first: it takes the user's lock (UserActivityCheck), so that an erasure under way waits for
                // this transaction instead of finding the contact row locked by it.
                commands.send(new User.RegisterUser(UserIds.user(user.id()), user.id(), displayName), user, correlationId);
                if (registration.email() != null && !registration.email().isBlank()) {
                    contacts.save(user.id(), registration.email().strip());
                }
            });
        } catch (RuntimeException e) {
            if (causedBy(e, User.AlreadyRegistered.class) != null) {
                throw ProblemException.conflict(causedBy(e, User.AlreadyRegistered.class).getMessage());
            }
            if (CommandSender.lostRace(e)) {
                throw ProblemException.conflict("Another registration of this user is in progress; try again");
            }
            throw e;
        }
        return ResponseEntity.accepted()
                .location(URI.create("/api/users/" + URLEncoder.encode(user.id(), StandardCharsets.UTF_8)))
                .body(new Accepted(user.id(), correlationId));
    }

    /**
     * 202: the user's key and contact details are gone when this answers; their relationships, downloads and
     * read-model rows follow within seconds. From now on, every request of this subject is answered 410.
     */
    @DeleteMapping("/api/users/me")
    ResponseEntity<Accepted> erase(HttpServletRequest request) {
        CurrentUser user = CurrentUser.get();
        String correlationId = CorrelationIdFilter.of(request);
        if (!erasure.begin(user.id(), correlationId)) {
            throw new ProblemException(org.springframework.http.HttpStatus.GONE, "Gone", "This user was erased already");
        }
        return ResponseEntity.accepted().body(new Accepted(user.id(), correlationId));
    }

    @DeleteMapping("/api/users/me/contact")
    ResponseEntity<Void> eraseContact() {
        contacts.erase(CurrentUser.get().id());
        return ResponseEntity.noContent().build();
    }

    private static Throwable causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return cause;
            }
        }
        return null;
    }
}
