package io.picflow.command.favorites;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.command.CommandSideApplication;
import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestServices;
import io.picflow.devservices.TestTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two command-side nodes on one PostgreSQL; A favorites B on one while B favorites A on the other, at
 * the same moment, many times: every pair must end with exactly one MutualFavoriteFormed.
 */
class MutualFavoriteRaceTest {

    private static final int PAIRS = 40;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoNodes() {
        Map<String, String> properties = new HashMap<>(TestServices.applicationProperties(false));
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        // As command-line arguments: they override the defaults in the properties files, as in a deployment.
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        first = new SpringApplicationBuilder(CommandSideApplication.class).run(arguments);
        second = new SpringApplicationBuilder(CommandSideApplication.class).run(arguments);
    }

    @AfterAll
    static void stopNodes() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void two_users_favoriting_each_other_at_once_on_two_nodes_form_exactly_one_mutual() throws Exception {
        ApiClient one = ApiClient.onPort(port(first));
        ApiClient two = ApiClient.onPort(port(second));
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            String a = "race-a-" + i;
            String b = "race-b-" + i;
            assertThat(one.postJson("/api/users", TestTokens.user(a), "{\"displayName\":\"A " + i + "\"}").statusCode()).isEqualTo(202);
            assertThat(two.postJson("/api/users", TestTokens.user(b), "{\"displayName\":\"B " + i + "\"}").statusCode()).isEqualTo(202);
            pairs.add(new String[] {a, b});
        }

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (String[] pair : pairs) {
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<HttpResponse<String>> aToB = CompletableFuture.supplyAsync(() -> favorite(one, pair[0], pair[1], start), threads);
                CompletableFuture<HttpResponse<String>> bToA = CompletableFuture.supplyAsync(() -> favorite(two, pair[1], pair[0], start), threads);
                assertThat(aToB.join().statusCode()).as(aToB.join().body()).isEqualTo(202);
                assertThat(bToA.join().statusCode()).as(bToA.join().body()).isEqualTo(202);
            }
        } finally {
            threads.shutdownNow();
        }

        JdbcClient jdbc = first.getBean(JdbcClient.class);
        for (String[] pair : pairs) {
            List<Map<String, Object>> events = jdbc.sql("SELECT payload_type, payload, meta_data FROM domain_event_entry "
                            + "WHERE aggregate_identifier = :id ORDER BY sequence_number")
                    .param("id", io.picflow.command.users.UserIds.pair(pair[0], pair[1])).query().listOfRows();
            List<String> types = events.stream().map(e -> simpleName((String) e.get("payload_type"))).toList();
            assertThat(types).as("pair %s", List.of(pair))
                    .containsExactly("UserFavorited", "UserFavorited", "MutualFavoriteFormed");
            // Correlated to the command that completed the pair, like that command's own UserFavorited.
            String completing = new String((byte[]) events.get(1).get("meta_data"), StandardCharsets.UTF_8);
            String mutual = new String((byte[]) events.get(2).get("meta_data"), StandardCharsets.UTF_8);
            assertThat(correlationOf(mutual)).isEqualTo(correlationOf(completing)).startsWith("race-");
        }
    }

    private static HttpResponse<String> favorite(ApiClient node, String actor, String target, CyclicBarrier start) {
        try {
            start.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return node.postJson("/api/users/me/favorites", TestTokens.user(actor), "{\"userId\":\"" + target + "\",\"source\":\"race\"}",
                "X-Correlation-Id", "race-" + actor);
    }

    private static String correlationOf(String metadataJson) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"correlationId\"\\s*:\\s*\"([^\"]+)\"").matcher(metadataJson);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static String simpleName(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
