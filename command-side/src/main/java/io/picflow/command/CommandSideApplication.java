package io.picflow.command;

import io.picflow.platform.startup.RequiredSettings;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The command side deployed on its own (needs PICFLOW_DB_URL and PICFLOW_JWT_SECRET). */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(CommandSideConfiguration.class)
public class CommandSideApplication {

    public static void main(String[] args) {
        application().run(args);
    }

    /** The command side as {@code main} runs it: it refuses to start, with one short message, without its required settings. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(CommandSideApplication.class);
        application.addListeners(new RequiredSettings("picflow command side", RequiredSettings.DATABASE_URL, RequiredSettings.JWT_SECRET));
        return application;
    }
}
