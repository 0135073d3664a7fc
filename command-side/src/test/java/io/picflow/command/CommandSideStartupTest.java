package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;

/** The command side as {@code main} starts it, without its required settings: one short message, no connection. */
@ExtendWith(OutputCaptureExtension.class)
class CommandSideStartupTest {

    @Test
    void without_any_setting_it_names_every_missing_variable_in_one_short_message(CapturedOutput output) {
        SpringApplication application = withoutEnvironmentVariables(CommandSideApplication.application());

        assertThatThrownBy(application::run).hasMessage("picflow command side cannot start: missing required settings: "
                + "PICFLOW_DB_URL (spring.datasource.url), PICFLOW_JWT_SECRET (picflow.security.jwt-secret).");

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("PICFLOW_DB_URL (spring.datasource.url), PICFLOW_JWT_SECRET (picflow.security.jwt-secret)")
                .contains("See README, Configuration.")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(output.getAll().lines().count()).isLessThan(20);
    }

    @Test
    void a_missing_secret_stops_it_before_it_connects_to_the_configured_database() throws Exception {
        try (ServerSocketChannel database = ServerSocketChannel.open()) {
            database.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            database.configureBlocking(false);
            int port = ((InetSocketAddress) database.getLocalAddress()).getPort();
            SpringApplication application = withoutEnvironmentVariables(CommandSideApplication.application());

            assertThatThrownBy(() -> application.run("--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + port
                    + "/picflow?connectTimeout=2&socketTimeout=2", "--server.port=0"))
                    .hasMessage("picflow command side cannot start: missing required settings: "
                            + "PICFLOW_JWT_SECRET (picflow.security.jwt-secret).");
            // A connection attempt would be waiting in the backlog by now: the failure came first.
            assertThat(database.accept()).as("a connection to the database").isNull();
        }
    }

    /** Whatever the developer's shell exports (PICFLOW_DB_URL, ...) must not decide these tests. */
    private static SpringApplication withoutEnvironmentVariables(SpringApplication application) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        application.setEnvironment(environment);
        return application;
    }
}
