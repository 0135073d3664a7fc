package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;

/** The query side as {@code main} starts it, without its required settings: one short message naming them all. */
@ExtendWith(OutputCaptureExtension.class)
class QuerySideStartupTest {

    @Test
    void without_any_setting_it_names_every_missing_variable_in_one_short_message(CapturedOutput output) {
        SpringApplication application = QuerySideApplication.application();
        // Whatever the developer's shell exports (PICFLOW_DB_URL, ...) must not decide this test.
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        application.setEnvironment(environment);

        assertThatThrownBy(application::run).hasMessage("picflow query side cannot start: missing required settings: "
                + "PICFLOW_DB_URL (spring.datasource.url), PICFLOW_ELASTICSEARCH_URL (picflow.elasticsearch.url), "
                + "PICFLOW_JWT_SECRET (picflow.security.jwt-secret).");

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("PICFLOW_DB_URL (spring.datasource.url), PICFLOW_ELASTICSEARCH_URL (picflow.elasticsearch.url), "
                        + "PICFLOW_JWT_SECRET (picflow.security.jwt-secret)")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(output.getAll().lines().count()).isLessThan(20);
    }
}
