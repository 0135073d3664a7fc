package io.picflow.platform.axon;

import io.picflow.platform.correlation.CausationCorrelationDataProvider;
import io.picflow.platform.correlation.CorrelationLoggingInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import javax.sql.DataSource;
import io.picflow.platform.wakeups.WakeUpChannels;
import io.picflow.platform.wakeups.WakeUpListener;
import io.picflow.platform.wakeups.WakeUpNotifier;
import io.picflow.platform.wakeups.WakeableEventStore;
import org.flywaydb.core.Flyway;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.micrometer.GlobalMetricRegistry;
import org.axonframework.micrometer.MetricsConfigurerModule;
import org.axonframework.serialization.Serializer;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.transaction.PlatformTransactionManager;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.config.Configuration;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.eventsourcing.eventstore.jpa.SQLStateResolver;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.serialization.jackson3.Jackson3SerializerCustomizer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

/**
 * Axon on PostgreSQL, shared by both sides (see docs/adr/0002-event-store.md): snake_case tables
 * created by Flyway, unique violations recognised as such, Jackson 3 for every message, and our
 * correlation scheme instead of Axon's default.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
public class AxonPostgresConfiguration {

    /**
     * The event store's tables have their own schema history, migrated by whichever side starts
     * first (Flyway serialises concurrent migrations with a database lock).
     */
    @Bean(initMethod = "migrate")
    Flyway eventStoreFlyway(DataSource dataSource) {
        return SchemaHistories.of(dataSource, "eventstore");
    }

    @Bean
    EventSchema eventSchema() {
        return EventSchema.builder()
                .eventTable("domain_event_entry")
                .snapshotTable("snapshot_event_entry")
                .globalIndexColumn("global_index")
                .timestampColumn("time_stamp")
                .eventIdentifierColumn("event_identifier")
                .aggregateIdentifierColumn("aggregate_identifier")
                .sequenceNumberColumn("sequence_number")
                .typeColumn("type")
                .payloadTypeColumn("payload_type")
                .payloadRevisionColumn("payload_revision")
                .payloadColumn("payload")
                .metaDataColumn("meta_data")
                .build();
    }

    /**
     * The default token schema names a table that does not exist on purpose: each side registers its
     * own token table for its processors ({@link SideTokenStores}), and a processor that was forgotten
     * fails loudly instead of sharing a table with the other side.
     */
    @Bean
    TokenSchema tokenSchema() {
        return SideTokenStores.schema("unassigned_token_entry");
    }

    /** pgjdbc reports unique violations only by SQL state; without this, concurrent appends are not ConcurrencyExceptions. */
    @Bean
    PersistenceExceptionResolver persistenceExceptionResolver() {
        return new SQLStateResolver("23505");
    }

    /*
     * Axon 4.13's JDBC and transaction auto-configurations name Spring Boot 3's DataSource
     * auto-configuration in their ordering hints; under Boot 4 they can run before it and back off
     * (Axon would then fall back to no transactions and in-memory tokens). So these beans are ours.
     */

    @Bean
    TransactionManager axonTransactionManager(PlatformTransactionManager transactionManager) {
        return new SpringTransactionManager(transactionManager);
    }

    @Bean
    ConnectionProvider axonConnectionProvider(DataSource dataSource) {
        return new UnitOfWorkAwareConnectionProviderWrapper(new SpringDataSourceConnectionProvider(dataSource));
    }

    @Bean
    EventStorageEngine eventStorageEngine(Serializer serializer, @Qualifier("eventSerializer") Serializer eventSerializer,
            PersistenceExceptionResolver persistenceExceptionResolver, Configuration configuration,
            ConnectionProvider connectionProvider, TransactionManager transactionManager, EventSchema eventSchema) {
        return new TailReadingEventStorageEngine(JdbcEventStorageEngine.builder()
                .snapshotSerializer(serializer)
                .eventSerializer(eventSerializer)
                .upcasterChain(configuration.upcasterChain())
                .snapshotFilter(configuration.snapshotFilter())
                .persistenceExceptionResolver(persistenceExceptionResolver)
                .connectionProvider(connectionProvider)
                .transactionManager(transactionManager)
                .schema(eventSchema));
    }

    /** The fallback token store: its table does not exist, see {@link #tokenSchema()}. */
    @Bean
    TokenStore tokenStore(ConnectionProvider connectionProvider, Serializer serializer, TokenSchema tokenSchema) {
        return JdbcTokenStore.builder().connectionProvider(connectionProvider).serializer(serializer).schema(tokenSchema).build();
    }

    /** Axon's metrics on Boot's registry (Axon's own auto-configuration would add a stray registry under Boot 4). */
    @Bean
    GlobalMetricRegistry axonMetricRegistry(MeterRegistry registry) {
        return new GlobalMetricRegistry(registry);
    }

    @Bean
    MetricsConfigurerModule axonMetrics(GlobalMetricRegistry registry) {
        return new MetricsConfigurerModule(registry, true);
    }

    /**
     * Axon's default type validator refuses its own ReplayToken after a reset (the processor then
     * retries forever), so allow Axon's and our packages explicitly.
     */
    @Bean
    Jackson3SerializerCustomizer picflowJacksonCustomizer() {
        return builder -> builder.polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder()
                .allowIfSubType("org.axonframework.")
                .allowIfSubType("io.picflow.")
                .allowIfSubType("java.util.")
                .allowIfSubType("java.time.")
                .allowIfSubType("java.lang.")
                .build());
    }

    @Bean
    CorrelationDataProvider causationCorrelationDataProvider() {
        return new CausationCorrelationDataProvider();
    }

    /**
     * Handler log lines carry the correlation id; and a failing event handler stops its segment and
     * retries (with backoff) instead of Axon's default of logging and skipping the event, which
     * would let a read model silently diverge. (Dead-letter queues per group come with the read models.)
     */
    @Bean
    ConfigurerModule eventHandlingDefaults() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerDefaultHandlerInterceptor((config, processor) -> new CorrelationLoggingInterceptor<>())
                .registerDefaultListenerInvocationErrorHandler(config -> PropagatingErrorHandler.instance()));
    }

    /**
     * The source of the pooled streaming processors (their {@code source} property names this bean):
     * woken as soon as the event store has new events, instead of a 500 ms poll.
     */
    @Bean(destroyMethod = "close")
    AvailabilityNotifyingEventSource notifyingEventSource(EventStore eventStore) {
        return new AvailabilityNotifyingEventSource(eventStore);
    }

    /**
     * The event store, woken by other processes' appends through LISTEN/NOTIFY (WakeableEventStore): they are seen
     * within milliseconds, and an idle store looks only every {@code picflow.axon.event-poll-interval} (5 s), the
     * fallback should a notification be lost. In-process appends wake consumers at once anyway.
     */
    @Bean
    @Qualifier("eventStore")
    WakeableEventStore eventBus(EventStorageEngine storageEngine, Configuration configuration, WakeUpNotifier notifier,
            WakeUpListener listener, @Value("${picflow.axon.event-poll-interval:5s}") Duration pollInterval) {
        WakeableEventStore store = new WakeableEventStore(EmbeddedEventStore.builder()
                .storageEngine(storageEngine)
                .messageMonitor(configuration.messageMonitor(EmbeddedEventStore.class, "eventStore"))
                .spanFactory(configuration.getComponent(org.axonframework.eventhandling.EventBusSpanFactory.class))
                .fetchDelay(pollInterval.toMillis()), notifier);
        listener.subscribe(WakeUpChannels.EVENTS, store::wakeUp);
        return store;
    }

    /** Wake-ups from other processes (LISTEN), for the event store and whatever else follows a table. */
    @Bean
    WakeUpListener wakeUpListener(DataSource dataSource) {
        return new WakeUpListener(dataSource);
    }

    /**
     * Wake-ups for other processes (NOTIFY), at most one carried by a transaction every
     * {@code picflow.wake-ups.min-interval} (10 ms) per channel, plus a trailing one.
     */
    @Bean(destroyMethod = "close")
    WakeUpNotifier wakeUpNotifier(DataSource dataSource, @Value("${picflow.wake-ups.min-interval:10ms}") Duration minInterval,
            WakeUpListener listener) {
        return new WakeUpNotifier(dataSource, minInterval, listener.origin());
    }
}
