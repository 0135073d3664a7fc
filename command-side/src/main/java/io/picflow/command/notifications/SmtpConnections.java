package io.picflow.command.notifications;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * One open SMTP connection per sending thread, used for one message after another, where Spring's mail sender opens
 * and closes one per message (a connection, a greeting, EHLO and QUIT for every email). A connection idle for longer
 * than {@link #IDLE} is closed before use rather than trusted (servers drop idle clients), and a connection that
 * fails is dropped: the next message opens a new one.
 */
@Component
class SmtpConnections implements DisposableBean {

    static final Duration IDLE = Duration.ofSeconds(10);

    /** A thread's connection and when it was last used. */
    private static final class Connection {
        final Transport transport;
        long lastUsed = System.nanoTime();

        Connection(Transport transport) {
            this.transport = transport;
        }
    }

    private final JavaMailSenderImpl sender;
    private final ThreadLocal<Connection> current = new ThreadLocal<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    SmtpConnections(JavaMailSender sender) {
        this.sender = (JavaMailSenderImpl) sender;
    }

    /** Sends the message on this thread's connection; a failure is a {@link MailException}, as Spring's sender throws. */
    void send(MimeMessage message) {
        try {
            message.saveChanges(); // the Message-ID and the MIME headers, as JavaMailSenderImpl does before sending
        } catch (MessagingException e) {
            throw new MailSendException("The message could not be prepared", e);
        }
        Connection connection = connection();
        try {
            connection.transport.sendMessage(message, message.getAllRecipients());
            connection.lastUsed = System.nanoTime();
        } catch (MessagingException | RuntimeException e) {
            drop(connection);
            throw new MailSendException("Sending failed", e);
        }
    }

    private Connection connection() {
        Connection connection = current.get();
        if (connection != null && System.nanoTime() - connection.lastUsed > IDLE.toNanos()) { // no NOOP to ask: it costs the round trip this saves
            drop(connection);
            connection = null;
        }
        if (connection == null) {
            try {
                Transport transport = sender.getSession().getTransport(sender.getProtocol() == null ? "smtp" : sender.getProtocol());
                String username = sender.getUsername();
                transport.connect(sender.getHost(), sender.getPort(), username == null || username.isEmpty() ? null : username,
                        sender.getPassword());
                connection = new Connection(transport);
            } catch (AuthenticationFailedException e) {
                throw new MailAuthenticationException(e);
            } catch (MessagingException e) {
                throw new MailSendException("Could not connect to the SMTP server", e);
            }
            current.set(connection);
            open.add(connection);
        }
        return connection;
    }

    private void drop(Connection connection) {
        current.remove();
        open.remove(connection);
        try {
            connection.transport.close();
        } catch (MessagingException e) {
            // gone already
        }
    }

    @Override
    public void destroy() {
        for (Connection connection : open) {
            try {
                connection.transport.close();
            } catch (MessagingException e) {
                // the server will see the connection go
            }
        }
        open.clear();
    }
}
