package io.picflow.standalone;

import io.picflow.command.CommandSideConfiguration;
import io.picflow.query.QuerySideConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The embedded default: both sides in one process. Without external services configured it starts
 * an embedded PostgreSQL and an Elasticsearch child process, with data under ./picflow-data.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({CommandSideConfiguration.class, QuerySideConfiguration.class, StandaloneDefaults.class})
public class StandaloneApplication {

    public static void main(String[] args) {
        application().run(args);
    }

    /** The embedded default as {@code main} runs it: starting what the environment does not provide. */
    static SpringApplication application() {
        SpringApplication application = new SpringApplication(StandaloneApplication.class);
        application.addListeners(new EmbeddedServicesLauncher());
        return application;
    }
}
