package io.picflow.query;

import io.picflow.platform.PlatformConfiguration;
import io.picflow.platform.axon.DeadLetterQueues;
import io.picflow.platform.axon.SchemaHistories;
import io.picflow.platform.axon.SideTokenStores;
import java.util.List;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.flywaydb.core.Flyway;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
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
public class QuerySideConfiguration {

    /** The query side's processing groups, one per read model; their tokens live in query_token_entry. */
    public static final List<String> PROCESSING_GROUPS = List.of("downloads", "images", "image-search", "favorites", "users", "live-feed");

    /** The query side's own schema history, so that each side migrates independently. */
    @Bean(initMethod = "migrate")
    Flyway querySideFlyway(DataSource dataSource) {
        return SchemaHistories.of(dataSource, "query");
    }

    @Bean
    ConfigurerModule querySideTokenStores(ConnectionProvider connections) {
        return SideTokenStores.register("query_token_entry", PROCESSING_GROUPS, connections);
    }

    /** A failing event is parked per processing group (query_dead_letter_entry); the rest keeps moving. */
    @Bean
    ConfigurerModule querySideDeadLetterQueues(ConnectionProvider connections, TransactionManager axonTransactionManager) {
        return DeadLetterQueues.register("query_dead_letter_entry", PROCESSING_GROUPS, connections, axonTransactionManager);
    }
}
