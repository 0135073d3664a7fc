package io.picflow.query.support;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.query.QuerySideApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The query side as it is deployed alone, on a real HTTP port, a fresh database of the shared
 * embedded PostgreSQL and the shared Elasticsearch. Subclasses share one application context.
 */
@SpringBootTest(classes = QuerySideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class QuerySideTest {

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(true).forEach((key, value) -> registry.add(key, () -> value));
    }

    protected ApiClient api() {
        return ApiClient.onPort(port);
    }
}
