package io.picflow.query.search;

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

    @Bean(destroyMethod = "close")
    RestClient elasticsearchRestClient(@Value("${picflow.elasticsearch.url}") String url) {
        return RestClient.builder(HttpHost.create(url))
                .setRequestConfigCallback(config -> config.setConnectTimeout(2_000).setSocketTimeout(30_000))
                .build();
    }
}
