package io.picflow.query.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "elasticsearch": UP when the cluster answers its health API
 * with green or yellow. (The stripped test distribution answers 405 on {@code GET /}, so the
 * client's own {@code info()} cannot serve as a probe.)
 */
@Component("elasticsearch")
class ElasticsearchHealthIndicator extends AbstractHealthIndicator {

    private final RestClient client;

    ElasticsearchHealthIndicator(RestClient client) {
        super("Elasticsearch health check failed");
        this.client = client;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws IOException {
        Request request = new Request("GET", "/_cluster/health");
        request.addParameter("filter_path", "status,number_of_nodes");
        Response response = client.performRequest(request);
        String body;
        try (InputStream in = response.getEntity().getContent()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean red = body.contains("\"red\"");
        (red ? builder.down() : builder.up()).withDetail("cluster", body);
    }
}
