package io.picflow.command.notifications;

import io.picflow.command.UserActivity;
import io.picflow.command.users.UserContacts;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A user's own contact details (command side: personal data outside the event store). {@code PUT} keeps an omitted
 * field, erases one given as {@code null}, and sends a verification code to each new address (429 beyond 3 codes an
 * hour: then nothing changes). {@code POST .../{email|phone}/verify} takes the code back.
 */
@RestController
class ContactController {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");

    private final UserContacts contacts;
    private final ContactVerification verification;
    private final UserActivity activity;
    private final TransactionTemplate transaction;

    ContactController(UserContacts contacts, ContactVerification verification, UserActivity activity, TransactionTemplate transaction) {
        this.contacts = contacts;
        this.verification = verification;
        this.activity = activity;
        this.transaction = transaction;
    }

    record Code(String code) {
    }

    @GetMapping("/api/users/me/contact")
    UserContacts.Contact contact() {
        return contacts.of(CurrentUser.get().id());
    }

    @PutMapping("/api/users/me/contact")
    ResponseEntity<UserContacts.Contact> change(@RequestBody JsonNode body) {
        String me = CurrentUser.get().id();
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("body: must be a JSON object with email and/or phone");
        }
        for (String name : body.propertyNames()) {
            if (!name.equals("email") && !name.equals("phone")) {
                throw ProblemException.badRequest(name + ": unknown field; give email and/or phone");
            }
        }
        String email = field(body, "email", EMAIL, "an email address");
        String phone = field(body, "phone", E164, "a phone number in E.164 form, such as +491701234567");
        transaction.executeWithoutResult(status -> {
            activity.requireNotErased(me); // takes the user's lock: an erasure under way waits, or this waits for it
            if (body.has("email")) {
                change(me, "email", email);
            }
            if (body.has("phone")) {
                change(me, "phone", phone);
            }
        });
        return ResponseEntity.accepted().location(URI.create("/api/users/me/contact")).body(contacts.of(me));
    }

    @PostMapping("/api/users/me/contact/{kind}/verify")
    ResponseEntity<Void> verify(@PathVariable String kind, @RequestBody Code body) {
        if (!kind.equals("email") && !kind.equals("phone")) {
            throw ProblemException.notFound("Only email and phone are verified");
        }
        String me = CurrentUser.get().id();
        // The verdict commits whatever it is: a wrong code uses up a try.
        ContactVerification.Verdict verdict = transaction.execute(status -> verification.verify(me, kind, body == null ? null : body.code()));
        if (verdict != ContactVerification.Verdict.VERIFIED) {
            throw ProblemException.badRequest("code: " + verdict.problem);
        }
        return ResponseEntity.noContent().build();
    }

    /**
     * A new address gets a code; so does the current one while it is unverified (an address given at registration,
     * or a code that expired): giving it again is how the user asks for a code.
     */
    private void change(String me, String kind, String value) {
        boolean changed = kind.equals("email") ? contacts.changeEmail(me, value) : contacts.changePhone(me, value);
        UserContacts.Contact now = contacts.of(me);
        boolean verified = kind.equals("email") ? now.emailVerified() : now.phoneVerified();
        if (value != null && (changed || !verified)) {
            if (!verification.maySend(me)) {
                throw ProblemException.tooManyRequests("At most " + ContactVerification.CODES_PER_HOUR
                        + " verification codes an hour; try again later", Duration.ofMinutes(10));
            }
            verification.send(me, kind, value);
        }
    }

    private static String field(JsonNode body, String name, Pattern pattern, String expected) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString() || node.asString().strip().length() > 320 || !pattern.matcher(node.asString().strip()).matches()
                || (name.equals("email") && !deliverable(node.asString().strip()))) {
            throw ProblemException.badRequest(name + ": must be " + expected + " or null");
        }
        return node.asString().strip();
    }

    /** What the mail library will take as a recipient: refused here (400), not later by the send. */
    private static boolean deliverable(String email) {
        try {
            new jakarta.mail.internet.InternetAddress(email, true).validate();
            return true;
        } catch (jakarta.mail.internet.AddressException e) {
            return false;
        }
    }
}
