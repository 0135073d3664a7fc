package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.events.MetadataKeys;
import io.picflow.events.users.UserRegistered;
import io.picflow.query.support.QuerySideTest;
import java.sql.Connection;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.axonframework.axonserver.connector.AxonServerConnectionManager;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The running query side has no Axon Server mode (docs/adr/0012-no-axon-server-mode.md): no connection to one,
 * no profile for one, and the event store its processors read is PostgreSQL through Axon's JDBC engine.
 */
class NoAxonServerTest extends QuerySideTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    EventStorageEngine storageEngine;

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

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
    void the_event_store_is_postgresql_through_the_jdbc_engine() throws Exception {
        assertThat(eventStore).isInstanceOf(EmbeddedEventStore.class);
        assertThat(storageEngine).isInstanceOf(JdbcEventStorageEngine.class);
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
        }

        String userId = "no-axon-server-" + UUID.randomUUID();
        eventStore.publish(new GenericDomainEventMessage<>("User", userId, 0, new UserRegistered(userId, seal(userId, "Probe")),
                Map.of(MetadataKeys.CORRELATION_ID, "no-axon-server"), UUID.randomUUID().toString(), Instant.now()));

        assertThat(jdbc.sql("SELECT payload_type FROM domain_event_entry WHERE aggregate_identifier = :id")
                .param("id", userId).query(String.class).list()).containsExactly(UserRegistered.class.getName());
        assertThat(eventStore.readEvents(userId).asStream().findFirst().<Class<?>>map(EventMessage::getPayloadType))
                .contains(UserRegistered.class);
    }

    /** Every bean whose type comes from the Axon Server connector (connection manager, buses, event store, ...). */
    private List<String> axonServerBeans() {
        return Arrays.stream(context.getBeanDefinitionNames()).filter(name -> {
            Class<?> type = context.getType(name, false);
            return type != null && type.getName().startsWith("org.axonframework.axonserver.");
        }).toList();
    }
}
