package io.picflow.platform.axon;

import java.time.Duration;
import java.util.Collection;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;

/**
 * Each side keeps the tokens of its processors in its own table (command_token_entry,
 * query_token_entry), created by its own Flyway history, so that the two sides can be deployed,
 * migrated and reset independently, and also run together in one process. The stores can list their
 * rows without claiming them ({@link InspectableJdbcTokenStore}), for the admin API, and advance a token only from the
 * one they last saw ({@link ContinuousTokenStore}), so that a commit lost in a database crash is redone.
 */
public final class SideTokenStores {

    private SideTokenStores() {
    }

    public static TokenSchema schema(String table) {
        return TokenSchema.builder()
                .setTokenTable(table)
                .setProcessorNameColumn("processor_name")
                .setSegmentColumn("segment")
                .setTokenColumn("token")
                .setTokenTypeColumn("token_type")
                .setTimestampColumn("timestamp")
                .setOwnerColumn("owner")
                .build();
    }

    /**
     * Registers {@code table} as the token store of each of {@code processors} (pooled processors), with claims that
     * another node may take over once they are {@code claimTimeout} old, and that their owner extends every third of
     * it while it has nothing to process. (How often a node looks for unclaimed segments is each processor's
     * {@code token-claim-interval} property: Spring's processor settings are applied after this.) Each extension is a write: with Axon's defaults (10 s, extended every 5 s)
     * an idle service wrote its token tables several times a second (ADR 0014).
     */
    public static ConfigurerModule register(String table, Collection<String> processors, ConnectionProvider connections,
            Duration claimTimeout) {
        return register(table, processors, connections, claimTimeout, java.util.Set.of());
    }

    /**
     * The same, where the processors named in {@code startingAtHead} start at the head of the event store when they have
     * no token yet (a newly deployed processor with side effects, such as notifications, does not act on history).
     */
    public static ConfigurerModule register(String table, Collection<String> processors, ConnectionProvider connections,
            Duration claimTimeout, Collection<String> startingAtHead) {
        TokenSchema schema = schema(table);
        return configurer -> configurer.eventProcessing(processing -> processors.forEach(processor -> processing
                .registerTokenStore(processor, config -> new ContinuousTokenStore(JdbcTokenStore.builder()
                        .connectionProvider(connections)
                        .serializer(config.serializer())
                        .schema(schema)
                        .claimTimeout(claimTimeout)))
                .registerPooledStreamingEventProcessorConfiguration(processor, (config, builder) -> {
                    builder.claimExtensionThreshold(claimTimeout.toMillis() / 3);
                    if (startingAtHead.contains(processor)) {
                        builder.initialToken(org.axonframework.messaging.StreamableMessageSource::createHeadToken);
                    }
                    return builder;
                })));
    }
}
