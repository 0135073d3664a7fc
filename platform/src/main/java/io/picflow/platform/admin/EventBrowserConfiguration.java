package io.picflow.platform.admin;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.ResourceLoader;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event browser ({@code GET /api/admin/events}). Part of the platform, so that it exists once in
 * every application: in the standalone run, and on each side when they run apart (both read the one
 * event store).
 */
@Configuration(proxyBeanMethods = false)
@Import(EventBrowserController.class)
public class EventBrowserConfiguration {

    @Bean
    EventTypes eventTypes(ResourceLoader resourceLoader) {
        return EventTypes.scan(resourceLoader);
    }

    @Bean
    EventStoreBrowser eventStoreBrowser(NamedParameterJdbcTemplate jdbc, JsonMapper json) {
        return new EventStoreBrowser(jdbc, json);
    }
}
