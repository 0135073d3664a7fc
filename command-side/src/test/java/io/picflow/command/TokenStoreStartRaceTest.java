package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.TestServices;
import io.picflow.platform.axon.ContinuousTokenStore;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.axon.SideTokenStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.serialization.jackson3.Jackson3Serializer;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Nodes started at the same moment on an empty database all start: Axon 4.13.0 creates the token store's
 * identifier row and a processor's segment rows on first use, and every node but the one that wins the insert
 * failed (AxonFramework issue 4802). Four stores on one fresh table, released together, each in its own
 * transaction as a starting processor is.
 */
class TokenStoreStartRaceTest {

    private static final int NODES = 4;

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(TestServices.newDatabase(),
            TestServices.postgres().username(), TestServices.postgres().password());
    private final TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

    @Test
    void every_node_gets_the_same_store_identifier_and_the_segments_exist_once() throws Exception {
        SchemaHistories.of(dataSource, "eventstore").migrate();
        SchemaHistories.of(dataSource, "command").migrate();
        CyclicBarrier together = new CyclicBarrier(NODES);
        ExecutorService nodes = Executors.newFixedThreadPool(NODES);
        List<Future<String>> identifiers = new ArrayList<>();
        for (int node = 0; node < NODES; node++) {
            ContinuousTokenStore store = new ContinuousTokenStore(JdbcTokenStore.builder()
                    .connectionProvider(new SpringDataSourceConnectionProvider(dataSource))
                    .serializer(Jackson3Serializer.builder().build())
                    .schema(SideTokenStores.schema("command_token_entry"))
                    .nodeId("node-" + node)
                    .claimTimeout(Duration.ofSeconds(10)));
            identifiers.add(nodes.submit(() -> {
                together.await(30, TimeUnit.SECONDS);
                Optional<String> id = transaction.execute(status -> store.retrieveStorageIdentifier());
                together.await(30, TimeUnit.SECONDS);
                transaction.executeWithoutResult(status -> {
                    if (store.fetchSegments("race").length == 0) {
                        store.initializeTokenSegments("race", 2);
                    }
                });
                return id.orElseThrow();
            }));
        }
        Set<String> distinct = new java.util.HashSet<>();
        for (Future<String> identifier : identifiers) {
            distinct.add(identifier.get(60, TimeUnit.SECONDS)); // throws if any node failed
        }
        nodes.shutdown();

        assertThat(distinct).hasSize(1);
        assertThat(JdbcClient.create(dataSource).sql("SELECT segment FROM command_token_entry WHERE processor_name = 'race'")
                .query(Integer.class).list().stream().collect(Collectors.toList())).containsExactlyInAnyOrder(0, 1);
    }
}
