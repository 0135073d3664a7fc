package io.picflow.command.notifications;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.internet.MimeMessage;
import java.util.List;

/** The in-process SMTP server of the embedded run (GreenMail), or nothing when a real mail host is configured. */
final class EmbeddedMailServer {

    private final GreenMail server;

    EmbeddedMailServer(GreenMail server) {
        this.server = server;
    }

    boolean running() {
        return server != null;
    }

    int port() {
        return server.getSmtp().getPort();
    }

    /** What it received, oldest first. */
    List<MimeMessage> received() {
        return server == null ? List.of() : List.of(server.getReceivedMessages());
    }

    /**
     * Empties the mailbox once it holds more than {@code max} messages: the embedded run's mailbox must not grow
     * without bound (GreenMail keeps every message in memory).
     */
    void bound(int max) {
        if (server != null && server.getReceivedMessages().length > max) {
            try {
                server.purgeEmailFromAllMailboxes();
            } catch (com.icegreen.greenmail.store.FolderException e) {
                throw new IllegalStateException("Could not empty the embedded mailbox", e);
            }
        }
    }

    void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
