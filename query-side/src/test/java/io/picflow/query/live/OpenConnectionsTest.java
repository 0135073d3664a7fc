package io.picflow.query.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.wakeups.WakeUpListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** A user's open WebSocket connections are limited across query nodes, on a real PostgreSQL. */
class OpenConnectionsTest {

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(TestServices.newDatabase(),
            TestServices.postgres().username(), TestServices.postgres().password());
    private final JdbcClient jdbc = JdbcClient.create(dataSource);
    private final List<OpenConnections> nodes = new ArrayList<>();

    OpenConnectionsTest() {
        SchemaHistories.of(dataSource, "eventstore").migrate();
        SchemaHistories.of(dataSource, "query").migrate();
    }

    private OpenConnections node() {
        LiveProperties properties = new LiveProperties(100, 100, Duration.ofSeconds(10), Duration.ofSeconds(10), 200, 1000, 3,
                Duration.ofSeconds(30), 20, Duration.ofDays(7), Duration.ofHours(1));
        OpenConnections node = new OpenConnections(jdbc, new DataSourceTransactionManager(dataSource), new WakeUpListener(dataSource),
                properties);
        nodes.add(node);
        return node;
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(OpenConnections::stopBeating);
    }

    @Test
    void the_limit_holds_for_a_user_whatever_node_each_connection_reaches() {
        OpenConnections a = node();
        OpenConnections b = node();
        String first = a.tryOpen("ann");
        assertThat(first).isNotNull();
        assertThat(b.tryOpen("ann")).isNotNull();
        assertThat(a.tryOpen("ann")).isNotNull();

        assertThat(b.tryOpen("ann")).as("a fourth, on either node").isNull();
        assertThat(a.tryOpen("ann")).isNull();
        assertThat(b.tryOpen("ben")).as("another user").isNotNull();

        a.closed(first);

        assertThat(b.tryOpen("ann")).isNotNull();
    }

    @Test
    void the_connections_of_a_node_that_died_stop_counting_and_are_deleted() {
        OpenConnections dead = node();
        OpenConnections alive = node();
        assertThat(dead.tryOpen("cat")).isNotNull();
        assertThat(dead.tryOpen("cat")).isNotNull();
        assertThat(dead.tryOpen("cat")).isNotNull();
        assertThat(alive.tryOpen("cat")).isNull();

        // The node stops beating (killed): a minute later its rows no longer count.
        dead.stopBeating();
        jdbc.sql("UPDATE live_node SET beat_at = now() - interval '2 minutes' WHERE node IN "
                + "(SELECT node FROM ws_connection WHERE user_id = 'cat')").update();

        assertThat(alive.tryOpen("cat")).isNotNull();
        alive.beatSafely();
        assertThat(jdbc.sql("SELECT count(*) FROM ws_connection WHERE user_id = 'cat'").query(Long.class).single()).isOne();
    }
}
