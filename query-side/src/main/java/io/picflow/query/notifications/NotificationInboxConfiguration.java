package io.picflow.query.notifications;

import org.axonframework.config.ConfigurerModule;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The inbox's processing group sequences its events by recipient ({@link NotificationInboxProjection#BY_RECIPIENT}). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(NotificationInboxProperties.class)
class NotificationInboxConfiguration {

    @Bean
    ConfigurerModule notificationInboxSequencing() {
        return configurer -> configurer.eventProcessing(processing -> processing.registerSequencingPolicy(
                NotificationInboxProjection.PROCESSING_GROUP, config -> NotificationInboxProjection.BY_RECIPIENT));
    }
}
