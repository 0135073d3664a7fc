package io.picflow.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.support.CommandSideTest;
import io.picflow.platform.resilience.Breakers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The circuit breakers show under the {@code breakers} health component, with their states, and an open one never
 * changes the service's overall status (a failing dependency is the breaker's business, not the load balancer's).
 */
class BreakersHealthTest extends CommandSideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    Breakers breakers;

    @AfterEach
    void close() {
        breakers.get("smtp").transitionToClosedState();
    }

    @Test
    void an_open_breaker_shows_in_health_and_the_service_stays_up() throws Exception {
        breakers.get("smtp").transitionToOpenState();

        HttpResponse<String> response = api().get("/actuator/health", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode health = json.readTree(response.body());
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/breakers/status").asString()).isEqualTo("OPEN");
        assertThat(health.at("/components/breakers/components/smtp/status").asString()).isEqualTo("OPEN");
        assertThat(breakers.retryIn("smtp")).isPositive();
    }

    @Test
    void a_closed_breaker_shows_closed() throws Exception {
        breakers.get("smtp");

        JsonNode health = json.readTree(api().get("/actuator/health", null).body());

        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/breakers/components/smtp/status").asString()).isEqualTo("CLOSED");
    }
}
