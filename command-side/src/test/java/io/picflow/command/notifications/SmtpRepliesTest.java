package io.picflow.command.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.outbound.DeliveryOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * How SMTP failures are classified, against real sockets: a server that refuses the recipient with 5xx fails the
 * delivery for good; 4xx, a refused connection and a server that never answers are retried.
 */
class SmtpRepliesTest {

    @Test
    void a_5xx_reply_to_the_recipient_fails_for_good() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("550 5.1.1 No such user here")) {
            DeliveryOutcome outcome = EmailTransport.classify(sendFailure(server.port(), 5_000));
            assertThat(outcome).isInstanceOf(DeliveryOutcome.Permanent.class);
            assertThat(((DeliveryOutcome.Permanent) outcome).statusCode()).isEqualTo(550);
            assertThat(((DeliveryOutcome.Permanent) outcome).code()).isEqualTo("SMTP_REJECTED");
        }
    }

    @Test
    void a_4xx_reply_is_retried() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("451 4.3.0 Try again later")) {
            DeliveryOutcome outcome = EmailTransport.classify(sendFailure(server.port(), 5_000));
            assertThat(outcome).isInstanceOf(DeliveryOutcome.Transient.class);
            assertThat(((DeliveryOutcome.Transient) outcome).statusCode()).isEqualTo(451);
        }
    }

    @Test
    void a_refused_connection_is_retried() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        DeliveryOutcome outcome = EmailTransport.classify(sendFailure(closed, 5_000));
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Transient.class);
        assertThat(((DeliveryOutcome.Transient) outcome).code()).isEqualTo("SMTP_UNREACHABLE");
    }

    @Test
    void a_server_that_never_greets_times_out_and_is_retried() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            DeliveryOutcome outcome = EmailTransport.classify(sendFailure(silent.getLocalPort(), 500));
            assertThat(outcome).isInstanceOf(DeliveryOutcome.Transient.class);
            assertThat(((DeliveryOutcome.Transient) outcome).code()).isIn("SMTP_TIMEOUT", "SMTP_FAILED");
        }
    }

    private static MailException sendFailure(int port, int timeoutMillis) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("127.0.0.1");
        sender.setPort(port);
        sender.getJavaMailProperties().put("mail.smtp.connectiontimeout", String.valueOf(timeoutMillis));
        sender.getJavaMailProperties().put("mail.smtp.timeout", String.valueOf(timeoutMillis));
        SimpleMailMessage message = new SimpleMailMessage();
        message.setFrom("picflow@example.test");
        message.setTo("someone@example.test");
        message.setSubject("test");
        message.setText("test");
        try {
            sender.send(message);
        } catch (MailException e) {
            return e;
        }
        throw new AssertionError("The send should have failed");
    }

    /** An SMTP server that greets, accepts the sender, and answers the recipient with the given reply. */
    static final class ScriptedSmtpServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;
        private final CountDownLatch served = new CountDownLatch(1);

        ScriptedSmtpServer(String recipientReply) throws IOException {
            socket = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(recipientReply), "scripted-smtp");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(String recipientReply) {
            try (Socket client = socket.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                 OutputStream out = client.getOutputStream()) {
                write(out, "220 scripted ESMTP");
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String command = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                    switch (command) {
                        case "EHLO", "HELO" -> write(out, "250 scripted");
                        case "MAIL" -> write(out, "250 2.1.0 Ok");
                        case "RCPT" -> write(out, recipientReply);
                        case "RSET", "NOOP" -> write(out, "250 Ok");
                        case "QUIT" -> {
                            write(out, "221 Bye");
                            return;
                        }
                        default -> write(out, "502 Not implemented");
                    }
                }
            } catch (IOException e) {
                // the test is over
            } finally {
                served.countDown();
            }
        }

        private static void write(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
