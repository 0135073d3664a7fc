package io.picflow.command.notifications;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded run's {@link DevOutbox} (dev tokens on, as for {@code GET /api/dev/mailbox}): where SMS and push go when
 * no provider of theirs is configured, listed by {@code GET /api/dev/outbox}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "picflow.security.dev-tokens", havingValue = "true")
class DevOutboxConfiguration {

    @Bean
    DevOutbox devOutbox() {
        return new DevOutbox();
    }
}
