package io.picflow.command.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.platform.axon.SchemaHistories;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** The per-user rate, counted in a real PostgreSQL as two command nodes share it. */
class RequestWindowsTest {

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(TestServices.newDatabase(),
            TestServices.postgres().username(), TestServices.postgres().password());
    private final JdbcClient jdbc = JdbcClient.create(dataSource);
    private final TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private Instant now = Instant.parse("2026-12-05T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    RequestWindowsTest() {
        SchemaHistories.of(dataSource, "eventstore").migrate();
        SchemaHistories.of(dataSource, "command").migrate();
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** As a request does it: in a transaction that a refusal rolls back. */
    private Optional<Duration> request(RequestWindows windows, String user) {
        return transaction.execute(status -> {
            Optional<Duration> wait = windows.tryAcquire(user);
            if (wait.isPresent()) {
                status.setRollbackOnly();
            }
            return wait;
        });
    }

    @Test
    void two_nodes_share_one_window_and_a_full_one_says_how_long_until_its_oldest_slot_leaves() {
        RequestWindows nodeA = new RequestWindows(jdbc, 3, clock);
        RequestWindows nodeB = new RequestWindows(jdbc, 3, clock);
        assertThat(request(nodeA, "ann")).isEmpty();
        now = now.plusSeconds(20);
        assertThat(request(nodeB, "ann")).isEmpty();
        assertThat(request(nodeA, "ann")).isEmpty();

        // The first request counts until 65 s after its slot began (10:00:00), 45 s from now.
        assertThat(request(nodeB, "ann")).contains(Duration.ofSeconds(45));
        assertThat(request(nodeA, "ben")).isEmpty();

        now = now.plusSeconds(44);
        assertThat(request(nodeA, "ann")).isPresent();
        now = now.plusSeconds(1);
        assertThat(request(nodeB, "ann")).isEmpty();
        assertThat(request(nodeA, "ann")).contains(Duration.ofSeconds(20));
    }

    @Test
    void a_refused_request_does_not_count() {
        RequestWindows windows = new RequestWindows(jdbc, 2, clock);
        request(windows, "ann");
        request(windows, "ann");
        for (int i = 0; i < 5; i++) {
            assertThat(request(windows, "ann")).isPresent();
        }
        assertThat(jdbc.sql("SELECT sum(requests) FROM download_request_count WHERE user_id = 'ann'").query(Long.class).single())
                .isEqualTo(2);
    }

    @Test
    void concurrent_requests_on_several_nodes_never_exceed_the_limit() throws Exception {
        List<Callable<Boolean>> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            RequestWindows node = new RequestWindows(jdbc, 10, clock); // each request on a node of its own
            requests.add(() -> request(node, "ann").isEmpty());
        }
        long accepted = 0;
        for (Future<Boolean> outcome : threads.invokeAll(requests)) {
            accepted += outcome.get() ? 1 : 0;
        }
        assertThat(accepted).isEqualTo(10);
    }

    @Test
    void slots_older_than_the_window_are_deleted() {
        RequestWindows windows = new RequestWindows(jdbc, 100, clock);
        for (int user = 0; user < 50; user++) {
            request(windows, "user-" + user);
        }
        now = now.plusSeconds(60);
        request(windows, "user-0");
        assertThat(windows.deleteExpired()).isZero();

        now = now.plusSeconds(5);

        assertThat(windows.deleteExpired()).isEqualTo(50);
        assertThat(jdbc.sql("SELECT count(*) FROM download_request_count").query(Long.class).single()).isEqualTo(1);
    }
}
