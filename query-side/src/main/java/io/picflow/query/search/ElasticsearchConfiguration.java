package io.picflow.query.search;

import java.time.Duration;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.springframework.beans.factory.annotation.Value;
import org.axonframework.config.ConfigurerModule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Elasticsearch connection. Built by hand: Boot 4's auto-configuration targets the 9.x client,
 * which refuses the 8.x server the build runs (see docs/adr/0003-embedded-dev-services.md).
 */
@Configuration(proxyBeanMethods = false)
public class ElasticsearchConfiguration {

    @Bean
    ConfigurerModule imageSearchSequencing() {
        return configurer -> configurer.eventProcessing(processing -> processing.registerSequencingPolicy(
                ImageSearchProjection.PROCESSING_GROUP, config -> ImageSearchProjection.BY_IMAGE));
    }

    /**
     * The client's own bounds are those of indexing and rebuilds, which run on threads that retry a failure; each call
     * also has a deadline of its own ({@link ElasticsearchCalls}), shorter for searches and the health probe. The
     * socket timeout is what frees a connection to a frozen node, which accepts it and never answers.
     */
    @Bean(destroyMethod = "close")
    RestClient elasticsearchRestClient(@Value("${picflow.elasticsearch.url}") String url,
            @Value("${picflow.elasticsearch.connect-timeout:1s}") Duration connectTimeout,
            @Value("${picflow.elasticsearch.socket-timeout:10s}") Duration socketTimeout) {
        int socketMillis = Math.toIntExact(socketTimeout.toMillis());
        return RestClient.builder(HttpHost.create(url))
                .setRequestConfigCallback(config -> config.setConnectTimeout(Math.toIntExact(connectTimeout.toMillis()))
                        .setConnectionRequestTimeout(socketMillis)
                        .setSocketTimeout(socketMillis))
                .build();
    }
}
