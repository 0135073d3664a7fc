package io.picflow.command.notifications;

import io.picflow.platform.security.DevTokenController;
import io.picflow.platform.web.ProblemException;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/dev/mailbox}: what the embedded SMTP server received, newest first, under the same conditions as dev
 * tokens (the embedded run only, local and unproxied requests only).
 */
@RestController
@ConditionalOnProperty(name = "picflow.security.dev-tokens", havingValue = "true")
class DevMailboxController {

    private final EmbeddedMailServer server;

    DevMailboxController(EmbeddedMailServer server) {
        this.server = server;
    }

    record Mail(String messageId, Instant sentAt, String from, List<String> to, String subject, String listUnsubscribe,
            String listUnsubscribePost, String text) {
    }

    record Mailbox(List<Mail> messages) {
    }

    @GetMapping("/api/dev/mailbox")
    Mailbox mailbox(HttpServletRequest http) {
        DevTokenController.requireLocal(http, "The dev mailbox is", "shown");
        if (!server.running()) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "Not Found", "A mail host is configured: mail goes there, not here");
        }
        List<MimeMessage> received = server.received();
        List<Mail> mails = new java.util.ArrayList<>();
        for (int i = received.size() - 1; i >= 0; i--) {
            mails.add(mail(received.get(i)));
        }
        return new Mailbox(mails);
    }

    private static Mail mail(MimeMessage message) {
        try {
            return new Mail(message.getMessageID(), message.getSentDate() == null ? null : message.getSentDate().toInstant(),
                    Arrays.stream(message.getFrom()).map(Address::toString).findFirst().orElse(null),
                    Arrays.stream(message.getAllRecipients()).map(Address::toString).toList(), message.getSubject(),
                    message.getHeader("List-Unsubscribe", null), message.getHeader("List-Unsubscribe-Post", null), MailText.plain(message));
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("Unreadable message in the embedded mailbox", e);
        }
    }
}
