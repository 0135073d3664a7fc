package io.picflow.query;

import io.picflow.platform.startup.RequiredSettings;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The query side deployed on its own (needs PICFLOW_DB_URL, PICFLOW_ELASTICSEARCH_URL and PICFLOW_JWT_SECRET). */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(QuerySideConfiguration.class)
public class QuerySideApplication {

    public static void main(String[] args) {
        application().run(args);
    }

    /** The query side as {@code main} runs it: it refuses to start, with one short message, without its required settings. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(QuerySideApplication.class);
        application.addListeners(new RequiredSettings("picflow query side",
                RequiredSettings.DATABASE_URL, RequiredSettings.ELASTICSEARCH_URL, RequiredSettings.JWT_SECRET));
        return application;
    }
}
