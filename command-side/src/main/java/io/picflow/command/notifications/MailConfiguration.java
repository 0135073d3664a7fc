package io.picflow.command.notifications;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The SMTP server email goes to: {@code spring.mail.*} ({@code PICFLOW_MAIL_HOST} and friends) when a host is
 * configured; otherwise an in-process GreenMail server on a free port of 127.0.0.1, whose mail
 * {@code GET /api/dev/mailbox} lists in the embedded run. (Boot's own mail sender backs off: this one is defined.)
 */
@Configuration(proxyBeanMethods = false)
class MailConfiguration {

    private static final Logger log = LoggerFactory.getLogger(MailConfiguration.class);

    static {
        // Jakarta Mail and Activation look their providers up with a ServiceLoader on every part of every message
        // unless a system property names them: a scan of every jar of the class path each time (measured: over half
        // of the CPU an email cost). These are the providers the ServiceLoader would find (Angus Mail, Angus
        // Activation); a property set by the operator wins.
        setIfAbsent("jakarta.mail.util.StreamProvider", "org.eclipse.angus.mail.util.MailStreamProvider");
        setIfAbsent("jakarta.activation.spi.MimeTypeRegistryProvider", "org.eclipse.angus.activation.MimeTypeRegistryProviderImpl");
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** The embedded server, or null when a real one is configured. */
    @Bean(destroyMethod = "stop")
    EmbeddedMailServer embeddedMailServer(@Value("${spring.mail.host:}") String host) {
        if (!host.isBlank()) {
            return new EmbeddedMailServer(null);
        }
        GreenMail server = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        server.start();
        log.info("No mail host configured (PICFLOW_MAIL_HOST): email goes to an embedded SMTP server on 127.0.0.1:{}",
                server.getSmtp().getPort());
        return new EmbeddedMailServer(server);
    }

    @Bean
    JavaMailSender mailSender(EmbeddedMailServer embedded, @Value("${spring.mail.host:}") String host,
            @Value("${spring.mail.port:25}") int port, @Value("${spring.mail.username:}") String username,
            @Value("${spring.mail.password:}") String password,
            @Value("${picflow.notifications.email.timeout-millis:10000}") int timeoutMillis) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        if (embedded.running()) {
            sender.setHost("127.0.0.1");
            sender.setPort(embedded.port());
        } else {
            sender.setHost(host);
            sender.setPort(port);
            if (!username.isBlank()) {
                sender.setUsername(username);
                sender.setPassword(password);
            }
        }
        Properties properties = sender.getJavaMailProperties();
        properties.put("mail.smtp.auth", String.valueOf(!embedded.running() && !username.isBlank()));
        properties.put("mail.smtp.starttls.enable", "true"); // used when the server offers it
        if (!embedded.running() && !username.isBlank()) {
            // Never send the password (or the codes) in clear because someone stripped STARTTLS from the greeting.
            properties.put("mail.smtp.starttls.required", "true");
            properties.put("mail.smtp.ssl.checkserveridentity", "true");
        }
        // A stalled server is a transient failure, never a thread held for ever.
        properties.put("mail.smtp.connectiontimeout", String.valueOf(timeoutMillis));
        properties.put("mail.smtp.timeout", String.valueOf(timeoutMillis));
        properties.put("mail.smtp.writetimeout", String.valueOf(timeoutMillis));
        return sender;
    }
}
