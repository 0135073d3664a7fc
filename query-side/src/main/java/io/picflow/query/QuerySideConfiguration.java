package io.picflow.query;

import io.picflow.platform.PlatformConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.axon.AsynchronousCommits;
import io.picflow.platform.axon.DeadLetterLimits;
import io.picflow.platform.axon.DeadLetterQueues;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.axon.SideTokenStores;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/**
 * Everything the query side contributes to an application, whether it runs alone
 * ({@link QuerySideApplication}) or together with the command side (standalone).
 */
@Configuration(proxyBeanMethods = false)
@ComponentScan(basePackageClasses = QuerySideConfiguration.class,
        excludeFilters = @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = SpringBootConfiguration.class))
@Import(PlatformConfiguration.class)
@PropertySource("classpath:picflow-query-side.properties")
@EnableConfigurationProperties(DeadLetterLimits.class)
public class QuerySideConfiguration {

    /** The query side's processing groups whose tokens and dead letters live in PostgreSQL (query_token_entry). */
    public static final List<String> PROCESSING_GROUPS = List.of("downloads", "images", "image-search", "favorites", "users",
            "notification-inbox", "live-feed");

    /**
     * The read models whose transactions commit asynchronously (AsynchronousCommits, ADR 0014): they are redone from
     * their tokens after a crash. Not the live feed: a position sent to a WebSocket client must never be reissued.
     */
    public static final List<String> ASYNCHRONOUS_COMMIT_GROUPS = List.of("downloads", "images", "image-search", "favorites", "users",
            "notification-inbox");

    /** The table of the query side's tokens (rebuilds keep theirs there too, under {@code <group>.rebuild}). */
    public static final String TOKEN_TABLE = "query_token_entry";

    /** The cache's processing group: per node, its tokens and dead letters in memory, rebuilt at every start. */
    public static final String CACHE_GROUP = "cache";

    /** Every query-side processing group. */
    public static final List<String> ALL_PROCESSING_GROUPS = Stream.concat(PROCESSING_GROUPS.stream(), Stream.of(CACHE_GROUP)).toList();

    /**
     * The query side's own schema history, so that each side migrates independently; after the event store's, whose
     * events its V8 reads.
     */
    @Bean(initMethod = "migrate")
    @DependsOn("eventStoreFlyway")
    Flyway querySideFlyway(DataSource dataSource) {
        return SchemaHistories.of(dataSource, "query");
    }

    @Bean
    ConfigurerModule querySideTokenStores(ConnectionProvider connections,
            @Value("${picflow.axon.claim-timeout:60s}") Duration claimTimeout) {
        return SideTokenStores.register(TOKEN_TABLE, PROCESSING_GROUPS, connections, claimTimeout);
    }

    /**
     * The cache rebuilds from the first event at every start of a node: its tokens and dead letters
     * belong to that node's memory, like the cache itself.
     */
    @Bean
    ConfigurerModule cacheInMemory(DeadLetterLimits deadLetterLimits, MeterRegistry meters) {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerTokenStore(CACHE_GROUP, config -> new InMemoryTokenStore())
                // Nothing of it is in the database: no transaction (and no savepoint) per batch.
                .registerTransactionManager(CACHE_GROUP, config -> NoTransactionManager.instance())
                .registerDeadLetterQueue(CACHE_GROUP, config -> DeadLetterQueues.inMemory(CACHE_GROUP, deadLetterLimits, meters))
                .registerDeadLetterPolicy(CACHE_GROUP, config -> DeadLetterQueues::parkUnlessTransient));
    }

    /** Read-model batches do not wait for a WAL flush; see {@link #ASYNCHRONOUS_COMMIT_GROUPS}. */
    @Bean
    ConfigurerModule readModelsCommitAsynchronously(TransactionManager axonTransactionManager, DataSource dataSource) {
        TransactionManager asynchronous = new AsynchronousCommits(axonTransactionManager, dataSource);
        return configurer -> configurer.eventProcessing(processing -> ASYNCHRONOUS_COMMIT_GROUPS.forEach(group ->
                processing.registerTransactionManager(group, config -> asynchronous)));
    }

    /** A failing event is parked per processing group (query_dead_letter_entry); the rest keeps moving. */
    @Bean
    ConfigurerModule querySideDeadLetterQueues(ConnectionProvider connections, TransactionManager axonTransactionManager,
            DeadLetterLimits deadLetterLimits, MeterRegistry meters) {
        return DeadLetterQueues.register("query_dead_letter_entry", PROCESSING_GROUPS, connections, axonTransactionManager,
                deadLetterLimits, meters);
    }
}
