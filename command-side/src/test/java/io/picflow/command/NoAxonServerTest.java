package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.support.CommandSideTest;
import io.picflow.devservices.TestTokens;
import io.picflow.events.downloads.ImageDownloadRequested;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.axonframework.axonserver.connector.AxonServerConnectionManager;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running command side has no Axon Server mode (docs/adr/0012-no-axon-server-mode.md): no connection to one,
 * no profile for one, and a command's events land in PostgreSQL through Axon's JDBC engine.
 */
class NoAxonServerTest extends CommandSideTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    EventStore eventStore;

    @Autowired
    EventStorageEngine storageEngine;

    @Autowired
    DataSource dataSource;

    @Test
    void the_application_has_no_axon_server_connection_and_no_axonserver_profile() {
        assertThat(context.getBeanNamesForType(AxonServerConnectionManager.class)).isEmpty();
        assertThat(axonServerBeans()).as("beans of Axon's Axon Server connector").isEmpty();
        assertThat(context.getEnvironment().getProperty("axon.axonserver.enabled", Boolean.class)).isFalse();
        assertThat(context.getEnvironment().getActiveProfiles()).doesNotContain("axonserver");
        assertThat(getClass().getResource("/application-axonserver.properties")).as("the axonserver profile's properties").isNull();
        // Health would list an "axonServer" component if the connector were on.
        assertThat(api().get("/actuator/health", null).body()).doesNotContainIgnoringCase("axonServer");
    }

    @Test
    void a_commands_events_are_stored_in_postgresql_by_the_jdbc_engine() throws Exception {
        assertThat(eventStore).isInstanceOf(EmbeddedEventStore.class);
        assertThat(storageEngine).isInstanceOf(JdbcEventStorageEngine.class);
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
        }

        // An address the fetch refuses before connecting: only the stored request matters here.
        HttpResponse<String> response = api().postJson("/api/downloads", TestTokens.user("no-axon-server"),
                "{\"url\":\"http://127.0.0.1:" + port + "/no-axon-server.png\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String downloadId = JsonMapper.builder().build().readTree(response.body()).get("downloadId").asString();

        assertThat(jdbc.sql("SELECT payload_type FROM domain_event_entry WHERE aggregate_identifier = :id AND sequence_number = 0")
                .param("id", downloadId).query(String.class).list()).containsExactly(ImageDownloadRequested.class.getName());
        assertThat(eventStore.readEvents(downloadId).asStream().findFirst().<Class<?>>map(EventMessage::getPayloadType))
                .contains(ImageDownloadRequested.class);
    }

    /** Every bean whose type comes from the Axon Server connector (connection manager, buses, event store, ...). */
    private List<String> axonServerBeans() {
        return Arrays.stream(context.getBeanDefinitionNames()).filter(name -> {
            Class<?> type = context.getType(name, false);
            return type != null && type.getName().startsWith("org.axonframework.axonserver.");
        }).toList();
    }
}
