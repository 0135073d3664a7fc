package io.picflow.platform.startup;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.diagnostics.FailureAnalyzedException;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Stops a side that is missing settings it cannot run without, before anything connects anywhere: without
 * it, a missing database URL surfaces as a long stack trace about an unresolvable JDBC URL, and only the
 * first missing setting is ever named. Checked once the environment is complete (arguments, environment
 * variables, application.properties), and reported through Spring Boot's short "APPLICATION FAILED TO
 * START" block. The embedded run does not use it: it provides these settings itself.
 */
public final class RequiredSettings implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    /** A setting, as operators set it (the environment variable) and as Spring reads it (the property). */
    public record Setting(String variable, String property) {

        boolean isSetIn(Environment environment) {
            return hasText(environment.getProperty(property)) || hasText(environment.getProperty(variable));
        }

        @Override
        public String toString() {
            return variable + " (" + property + ")";
        }

        private static boolean hasText(String value) {
            return value != null && !value.isBlank();
        }
    }

    public static final Setting DATABASE_URL = new Setting("PICFLOW_DB_URL", "spring.datasource.url");
    public static final Setting JWT_SECRET = new Setting("PICFLOW_JWT_SECRET", "picflow.security.jwt-secret");
    public static final Setting ELASTICSEARCH_URL = new Setting("PICFLOW_ELASTICSEARCH_URL", "picflow.elasticsearch.url");

    private final String application;
    private final List<Setting> settings;

    /** @param application what cannot start, as the message names it, e.g. "picflow command side" */
    public RequiredSettings(String application, Setting... settings) {
        this.application = application;
        this.settings = List.of(settings);
    }

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        List<Setting> missing = settings.stream().filter(s -> !s.isSetIn(event.getEnvironment())).toList();
        if (!missing.isEmpty()) {
            throw new FailureAnalyzedException(
                    application + " cannot start: missing required settings: "
                            + missing.stream().map(Setting::toString).collect(Collectors.joining(", ")) + ".",
                    "Set " + (missing.size() == 1 ? "this environment variable" : "these environment variables")
                            + " (or the properties, e.g. as --property=value arguments). See README, Configuration.");
        }
    }
}
