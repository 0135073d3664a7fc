package io.picflow.command;

import io.picflow.platform.PlatformConfiguration;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.axon.SideTokenStores;
import io.picflow.command.downloads.RetryPolicy;
import io.picflow.command.downloads.fetch.DownloadsProperties;
import com.github.kagkarlsson.scheduler.Scheduler;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurationScopeAwareProvider;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.DeadlineManagerSpanFactory;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;
import org.axonframework.serialization.Serializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.flywaydb.core.Flyway;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/**
 * Everything the command side contributes to an application, whether it runs alone
 * ({@link CommandSideApplication}) or together with the query side (standalone).
 */
@Configuration(proxyBeanMethods = false)
@ComponentScan(basePackageClasses = CommandSideConfiguration.class,
        excludeFilters = @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = SpringBootConfiguration.class))
@Import(PlatformConfiguration.class)
@EnableConfigurationProperties(DownloadsProperties.class)
@PropertySource("classpath:picflow-command-side.properties")
public class CommandSideConfiguration {

    /** The command side's processors (process managers); their tokens live in command_token_entry. */
    static final List<String> PROCESSORS = List.of("ImageDownloadProcessProcessor", "notifications");
    /** Processors with side effects that a new deployment starts at the head of the event store (no notifying about history). */
    static final List<String> STARTING_AT_HEAD = List.of("notifications");

    /** Axon's db-scheduler deadline manager, with a timer per deadline so that db-scheduler need not poll every second. */
    @Bean
    DeadlineManager deadlineManager(Scheduler scheduler, org.axonframework.config.Configuration configuration, Serializer serializer,
            TransactionManager transactionManager, DeadlineManagerSpanFactory spanFactory) {
        return new PromptDeadlineManager(DbSchedulerDeadlineManager.builder()
                .scopeAwareProvider(new ConfigurationScopeAwareProvider(configuration))
                .serializer(serializer)
                .transactionManager(transactionManager)
                .spanFactory(spanFactory)
                .startScheduler(false)
                .stopScheduler(false), scheduler);
    }

    /**
     * The command side's own schema history, so that each side migrates independently; after the event store's,
     * whose events its V7 reads.
     */
    @Bean(initMethod = "migrate")
    @DependsOn("eventStoreFlyway")
    Flyway commandSideFlyway(DataSource dataSource) {
        return SchemaHistories.of(dataSource, "command");
    }

    @Bean
    ConfigurerModule commandSideTokenStores(ConnectionProvider connections,
            @Value("${picflow.axon.claim-timeout:60s}") Duration claimTimeout) {
        return SideTokenStores.register("command_token_entry", PROCESSORS, connections, claimTimeout, STARTING_AT_HEAD);
    }

    /** Process managers' state, snake_case on PostgreSQL (tables in db/migration/command). */
    @Bean
    SagaStore<Object> sagaStore(ConnectionProvider connections, Serializer serializer) {
        return JdbcSagaStore.builder()
                .connectionProvider(connections)
                .serializer(serializer)
                .sqlSchema(new PostgresSagaSqlSchema(SagaSchema.builder()
                        .sagaEntryTable("saga_entry")
                        .revisionColumn("revision")
                        .serializedSagaColumn("serialized_saga")
                        .associationValueEntryTable("association_value_entry")
                        .associationKeyColumn("association_key")
                        .associationValueColumn("association_value")
                        .sagaIdColumn("saga_id")
                        .sagaTypeColumn("saga_type")
                        .build()))
                .build();
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    RetryPolicy downloadRetryPolicy(@Value("${picflow.downloads.retry.max-attempts:5}") int maxAttempts,
            @Value("${picflow.downloads.retry.base-delay:1s}") Duration baseDelay,
            @Value("${picflow.downloads.retry.max-delay:5m}") Duration maxDelay) {
        return new RetryPolicy(maxAttempts, baseDelay, maxDelay, () -> ThreadLocalRandom.current().nextDouble());
    }

    @Bean
    SnapshotTriggerDefinition imageDownloadSnapshotTrigger(Snapshotter snapshotter,
            @Value("${picflow.downloads.snapshot-threshold:50}") int threshold) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, threshold);
    }
}
