package io.picflow.query.notifications;

import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The query side's notification settings ({@code picflow.notifications.*}; defaults in picflow-query-side.properties).
 *
 * @param availableChannels      the channels this installation can deliver by ({@code in_app}, {@code email}, {@code sms},
 *                               {@code push}): each channel of the preferences document shows it as {@code available}
 * @param readRetention          how long a read notification stays in the inbox after it was read (NotificationInboxRetention)
 * @param retentionCheckInterval how often the query side's scheduler removes older read notifications
 */
@ConfigurationProperties("picflow.notifications")
record NotificationInboxProperties(Set<String> availableChannels, Duration readRetention, Duration retentionCheckInterval) {

    NotificationInboxProperties {
        availableChannels = availableChannels == null ? Set.of() : Set.copyOf(availableChannels);
    }
}
