package io.picflow.query.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "elasticsearch": UP when the cluster answers its health API
 * with green or yellow. (The stripped test distribution answers 405 on {@code GET /}, so the
 * client's own {@code info()} cannot serve as a probe.) DOWN at once, without asking, while the
 * {@code elasticsearch} circuit breaker is open; otherwise the probe has its own short bound
 * ({@code picflow.elasticsearch.health-timeout}), so that a frozen node cannot hold up the health endpoint.
 * The probe does not count against the breaker: a health check that happens to be slow is no reason to refuse
 * searches, and it must not take one of the half-open breaker's few trial calls.
 */
@Component("elasticsearch")
class ElasticsearchHealthIndicator extends AbstractHealthIndicator {

    private final ElasticsearchCalls calls;

    ElasticsearchHealthIndicator(ElasticsearchCalls calls) {
        super("Elasticsearch health check failed");
        this.calls = calls;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws IOException {
        if (!calls.breakerPermits()) {
            builder.down().withDetail("breaker", "OPEN");
            return;
        }
        Request request = new Request("GET", "/_cluster/health");
        request.addParameter("filter_path", "status,number_of_nodes");
        Response response = calls.probe(request);
        int status = response.getStatusLine().getStatusCode();
        if (status >= 300) {
            builder.down().withDetail("status", status);
            return;
        }
        String body;
        try (InputStream in = response.getEntity().getContent()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean red = body.contains("\"red\"");
        (red ? builder.down() : builder.up()).withDetail("cluster", body);
    }
}
