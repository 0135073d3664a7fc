package io.picflow.command.support;

import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The command side as it is deployed alone, on a real HTTP port and a fresh database of the shared
 * embedded PostgreSQL. Subclasses share one application context.
 */
@SpringBootTest(classes = CommandSideApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class CommandSideTest {

    @LocalServerPort
    protected int port;

    @Autowired
    protected org.springframework.jdbc.core.simple.JdbcClient jdbc;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.applicationProperties(false).forEach((key, value) -> registry.add(key, () -> value));
    }

    protected ApiClient api() {
        return ApiClient.onPort(port);
    }
}
