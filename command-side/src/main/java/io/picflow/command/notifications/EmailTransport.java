package io.picflow.command.notifications;

import io.picflow.command.notifications.NotificationLetters.Letter;
import io.picflow.command.outbound.DeliveryOutcome;
import io.picflow.command.outbound.OutboundDelivery;
import io.picflow.command.outbound.OutboundTransport;
import io.picflow.command.outbound.ProviderCalls;
import io.picflow.platform.resilience.Breakers;
import io.picflow.command.users.UserContacts;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends the {@code email} channel's deliveries over SMTP: a notification, a digest of the items collected for its
 * window, or a verification code. The address is looked up when sending (a changed or erased one is not written
 * to), and only a verified one receives notifications. The {@code Message-ID} is derived from the delivery's id:
 * the one repeat the engine allows is recognisable as such. A 5xx reply fails for good; a 4xx reply, a refused
 * connection or a timeout is retried with backoff. Calls go through the {@code smtp} circuit breaker: while the server
 * is down, mail waits as held ({@code PROVIDER_UNAVAILABLE}) instead of each delivery finding out on its own.
 */
@Component
class EmailTransport implements OutboundTransport {

    static final String CHANNEL = PreferencesDocument.EMAIL;
    /** The embedded run's mailbox is emptied beyond this many messages. */
    static final int EMBEDDED_MAILBOX_LIMIT = 1_000;

    private final JavaMailSender mail;
    private final UserContacts contacts;
    private final JsonMapper json;
    private final UnsubscribeTokens unsubscribe;
    private final DeliveryOutcomes outcomes;
    private final NotificationLetters letters;
    private final EmbeddedMailServer embedded;
    private final ContactVerification verification;
    private final SmtpConnections connections;
    private final Breakers breakers;
    private final String from;
    private final String publicUrl;

    EmailTransport(JavaMailSender mail, UserContacts contacts, JsonMapper json, UnsubscribeTokens unsubscribe,
            DeliveryOutcomes outcomes, NotificationLetters letters, EmbeddedMailServer embedded,
            ContactVerification verification, SmtpConnections connections, Breakers breakers, @Value("${picflow.notifications.email.from}") String from,
            @Value("${picflow.public-url}") String publicUrl) {
        this.mail = mail;
        this.contacts = contacts;
        this.json = json;
        this.unsubscribe = unsubscribe;
        this.outcomes = outcomes;
        this.letters = letters;
        this.embedded = embedded;
        this.verification = verification;
        this.connections = connections;
        this.breakers = breakers;
        this.from = from;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public int concurrency() {
        return 16;
    }

    @Override
    public DeliveryOutcome send(OutboundDelivery delivery) {
        JsonNode payload = json.readTree(delivery.payload());
        String userId = payload.get("userId").asString();
        String kind = payload.get("kind").asString();
        Optional<String> to = "verification".equals(kind)
                ? Optional.of(payload.get("address").asString()).filter(address -> address.equals(contacts.of(userId).email()))
                : contacts.verifiedEmail(userId);
        if (to.isEmpty()) {
            return new DeliveryOutcome.Permanent("NO_VERIFIED_ADDRESS", "The user has no verified email address now", null);
        }
        if ("verification".equals(kind) && !verification.current(userId, delivery.deliveryId())) {
            return new DeliveryOutcome.Permanent("CODE_SUPERSEDED", "A newer code was sent, or this one expired: not sent", null);
        }
        Letter letter;
        switch (kind) {
            case "notification" -> letter = letters.notification(payload);
            case "digest" -> {
                Optional<Letter> digest = letters.digest(delivery.deliveryId(), userId);
                if (digest.isEmpty()) {
                    return new DeliveryOutcome.Permanent("EMPTY_DIGEST", "Nothing to list: an empty digest is never sent", null);
                }
                letter = digest.get();
            }
            case "verification" -> letter = code(payload.get("code").asString());
            default -> {
                return new DeliveryOutcome.Permanent("UNKNOWN_KIND", "Unknown email kind " + kind, null);
            }
        }
        String messageId = "<" + io.picflow.command.users.UserIds.sha256(delivery.deliveryId()) + "@picflow>";
        MimeMessage message = message(messageId);
        try {
            message.setFrom(new jakarta.mail.internet.InternetAddress(from));
            message.setRecipient(jakarta.mail.Message.RecipientType.TO, new jakarta.mail.internet.InternetAddress(to.get()));
            message.setSubject(letter.subject(), StandardCharsets.UTF_8.name());
            message.setSentDate(new java.util.Date());
            String link = null;
            if (letter.unsubscribeFrom() != null) {
                link = publicUrl + "/api/unsubscribe?t=" + unsubscribe.issue(userId, letter.unsubscribeFrom(), CHANNEL);
                message.setHeader("List-Unsubscribe", "<" + link + ">");
                message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            }
            // Text and HTML as alternatives, built by hand: Spring's MimeMessageHelper loads a MIME type map from the
            // class path for every message that is not one of its own (ours is, for the Message-ID).
            jakarta.mail.internet.MimeBodyPart plain = new jakarta.mail.internet.MimeBodyPart();
            plain.setText(text(letter, link), StandardCharsets.UTF_8.name(), "plain");
            jakarta.mail.internet.MimeBodyPart html = new jakarta.mail.internet.MimeBodyPart();
            html.setText(html(letter, link), StandardCharsets.UTF_8.name(), "html");
            message.setContent(new jakarta.mail.internet.MimeMultipart("alternative", plain, html));
            embedded.bound(EMBEDDED_MAILBOX_LIMIT);
        } catch (MessagingException e) {
            return new DeliveryOutcome.Permanent("BAD_MESSAGE", e.getMessage(), null);
        }
        return ProviderCalls.through(breakers, DeliveryPlanner.SMTP, () -> {
            try {
                connections.send(message);
                return new DeliveryOutcome.Sent(messageId, 250, null);
            } catch (MailException e) {
                return classify(e);
            }
        }, EmailTransport::serverFailure);
    }

    /**
     * What counts against the {@code smtp} breaker: the server unreachable, slow, refusing our credentials, or saying
     * it is unavailable (421). A reply about one recipient or one message (a 4xx or 5xx to RCPT or DATA) is a working
     * server's answer.
     */
    static boolean serverFailure(DeliveryOutcome outcome) {
        return outcome instanceof DeliveryOutcome.Transient failure
                && (!"SMTP_DEFERRED".equals(failure.code()) || Integer.valueOf(421).equals(failure.statusCode()));
    }

    /** The notifications the delivery carried learn its outcome (NotificationDelivered or NotificationDeliveryFailed). */
    @Override
    public void settled(OutboundDelivery delivery, String errorCode, boolean retryable) {
        if (delivery.deliveryId().startsWith(ContactVerification.DELIVERY_PREFIX)) {
            verification.redact(delivery.deliveryId());
            return;
        }
        outcomes.settled(delivery, errorCode, retryable);
    }

    /** The letter of a verification code: no unsubscribe link. */
    private static Letter code(String code) {
        return new Letter("Your picflow verification code", List.of("Your code is " + code + ". It is valid for 15 minutes."), null);
    }

    private MimeMessage message(String messageId) {
        return new MimeMessage(((JavaMailSenderImpl) mail).getSession()) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
    }

    private static String text(Letter letter, String link) {
        StringBuilder text = new StringBuilder();
        letter.lines().forEach(line -> text.append(line).append("\r\n"));
        if (link != null) {
            text.append("\r\nTo stop these emails: ").append(link).append("\r\n");
        }
        return text.toString();
    }

    private static String html(Letter letter, String link) {
        StringBuilder html = new StringBuilder("<!doctype html><html><body><ul>");
        letter.lines().forEach(line -> html.append("<li>").append(HtmlUtils.htmlEscape(line)).append("</li>"));
        html.append("</ul>");
        if (link != null) {
            html.append("<p><a href=\"").append(HtmlUtils.htmlEscape(link)).append("\">Stop these emails</a></p>");
        }
        return html.append("</body></html>").toString();
    }

    /** 5xx replies fail for good; 4xx replies, refused connections and timeouts are retried. */
    static DeliveryOutcome classify(MailException e) {
        Integer code = replyCode(e);
        String message = e.getMostSpecificCause().getMessage();
        if (code != null && code >= 500) {
            return new DeliveryOutcome.Permanent("SMTP_REJECTED", message, code);
        }
        if (code != null && code >= 400) {
            return new DeliveryOutcome.Transient("SMTP_DEFERRED", message, code, null);
        }
        if (e instanceof org.springframework.mail.MailAuthenticationException) {
            // The server refused our credentials: a configuration problem of ours, retried while an operator fixes it.
            return new DeliveryOutcome.Transient("SMTP_AUTH_FAILED", message, null, null);
        }
        Throwable root = e.getMostSpecificCause();
        String reason = root instanceof ConnectException ? "SMTP_UNREACHABLE" : root instanceof SocketTimeoutException ? "SMTP_TIMEOUT"
                : "SMTP_FAILED";
        return new DeliveryOutcome.Transient(reason, message, null, null);
    }

    private static Integer replyCode(MailException e) {
        List<Throwable> roots = new java.util.ArrayList<>();
        roots.add(e);
        if (e instanceof MailSendException send) {
            roots.addAll(List.of(send.getMessageExceptions()));
        }
        for (Throwable root : roots) {
            for (Throwable cause = root; cause != null; cause = next(cause)) {
                if (cause instanceof SMTPSendFailedException failed) {
                    return failed.getReturnCode();
                }
                if (cause instanceof SMTPAddressFailedException failed) {
                    return failed.getReturnCode();
                }
            }
        }
        return null;
    }

    private static Throwable next(Throwable cause) {
        if (cause instanceof MessagingException messaging && messaging.getNextException() != null
                && messaging.getNextException() != cause) {
            return messaging.getNextException();
        }
        return cause.getCause() == cause ? null : cause.getCause();
    }
}
