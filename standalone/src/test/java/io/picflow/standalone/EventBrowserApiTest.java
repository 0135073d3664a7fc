package io.picflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.ApiClient;
import io.picflow.devservices.TestTokens;
import io.picflow.platform.admin.EventQuery;
import io.picflow.platform.admin.EventStoreBrowser;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event browser ({@code GET /api/admin/events}) on both sides in one process: a real download from a
 * local image server, then its events found by correlation id, type, aggregate and time, page by page.
 */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EventBrowserApiTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestImageServer images = new TestImageServer().start();
    private static final String ADMIN = TestTokens.admin("ops");

    @LocalServerPort
    int port;

    @Autowired
    NamedParameterJdbcTemplate jdbc;

    @Autowired
    TransactionTemplate transaction;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        StandaloneTestProperties.register(registry, "picflow-events");
    }

    @AfterAll
    static void stopImageServer() {
        images.close();
    }

    /**
     * A completed download: who asked, its id, the correlation id of the request, its own events, and everything with
     * that correlation id (its events, then the DOWNLOAD_COMPLETED notification they caused).
     */
    private record Download(String user, String downloadId, String correlationId, String url, List<JsonNode> chain,
            List<JsonNode> correlated) {
    }

    @Test
    void a_user_action_s_whole_causal_chain_is_found_by_its_correlation_id_in_order() {
        Download download = completedDownload(21);
        List<JsonNode> chain = download.chain();

        // The command created the first event; the download process and the fetch worker caused the rest.
        assertThat(chain).extracting(event -> event.get("type").asString()).startsWith("ImageDownloadRequested")
                .endsWith("ImageDownloadCompleted")
                .containsSubsequence("ImageDownloadRequested", "ImageFetchStarted", "ImageFetched", "ImageValidated",
                        "ImageProcessed", "ImageStored", "ImageDownloadCompleted");
        assertThat(chain).extracting(event -> event.get("position").asLong()).isSorted().doesNotHaveDuplicates();
        for (JsonNode event : chain) {
            assertThat(event.get("metaData").get("correlationId").asString()).isEqualTo(download.correlationId());
            assertThat(event.get("metaData").get("userId").asString()).isEqualTo(download.user());
            assertThat(event.get("metaData").get("causationId").asString()).isNotBlank()
                    .isNotEqualTo(event.get("eventId").asString());
            assertThat(event.get("aggregateId").asString()).isEqualTo(download.downloadId());
            assertThat(event.get("aggregateType").asString()).isEqualTo("ImageDownload");
            assertThat(event.path("revision").isString()).as("revision").isTrue();
            assertThat(event.get("payload").isObject()).isTrue();
            assertThat(event.get("payload").get("downloadId").asString()).isEqualTo(download.downloadId());
            assertThat(Instant.parse(event.get("timestamp").asString())).isBeforeOrEqualTo(Instant.now());
        }
        JsonNode requested = chain.get(0);
        assertThat(requested.get("sequenceNumber").asLong()).isZero();
        assertThat(requested.get("payload").get("url").asString()).isEqualTo(download.url());
        assertThat(requested.get("payload").get("requestedBy").asString()).isEqualTo(download.user());

        // The chain goes on into the notifications context: the notification its completion caused, by picflow itself.
        assertThat(download.correlated()).hasSize(chain.size() + 1);
        JsonNode notification = download.correlated().get(chain.size());
        assertThat(notification.get("type").asString()).isEqualTo("NotificationCreated");
        assertThat(notification.get("metaData").get("correlationId").asString()).isEqualTo(download.correlationId());
        assertThat(notification.get("metaData").get("userId").asString()).isEqualTo("picflow");
        assertThat(notification.get("payload").get("recipientId").asString()).isEqualTo(download.user());
        assertThat(notification.get("payload").get("sourceEventId").asString()).isEqualTo(chain.get(chain.size() - 1).get("eventId").asString());

        assertThat(page("correlationId=unknown-" + UUID.randomUUID()).get("total").asLong()).isZero();
    }

    @Test
    void filters_by_type_aggregate_and_time_combine_and_pages_cover_the_matches_once() {
        Download download = completedDownload(22);
        List<JsonNode> chain = download.chain();
        List<String> chainIds = ids(chain);

        JsonNode requested = page("type=ImageDownloadRequested&aggregateId=" + download.downloadId());
        assertThat(requested.get("total").asLong()).isEqualTo(1);
        assertThat(requested.get("items").get(0).get("eventId").asString()).isEqualTo(chainIds.get(0));

        JsonNode stored = page("type=ImageStored&size=1000");
        assertThat(items(stored)).isNotEmpty().allSatisfy(event -> assertThat(event.get("type").asString()).isEqualTo("ImageStored"));
        assertThat(items(stored)).anySatisfy(event -> assertThat(event.get("aggregateId").asString()).isEqualTo(download.downloadId()));

        // Every event of this download was caused by the one request: the aggregate's stream is the chain.
        JsonNode aggregate = page("aggregateId=" + download.downloadId());
        assertThat(ids(items(aggregate))).isEqualTo(chainIds);
        for (int i = 0; i < chain.size(); i++) {
            assertThat(items(aggregate).get(i).get("sequenceNumber").asLong()).isEqualTo(i);
        }

        // from is inclusive, to exclusive.
        Instant from = timestamp(chain.get(1));
        Instant to = timestamp(chain.get(chain.size() - 1));
        assertThat(from).isBefore(to);
        List<String> inRange = chain.stream().filter(event -> !timestamp(event).isBefore(from) && timestamp(event).isBefore(to))
                .map(event -> event.get("eventId").asString()).toList();
        assertThat(inRange).contains(chainIds.get(1)).doesNotContain(chainIds.get(chainIds.size() - 1));
        assertThat(ids(items(page("aggregateId=" + download.downloadId() + "&from=" + from + "&to=" + to)))).isEqualTo(inRange);
        JsonNode window = page("from=" + from + "&to=" + to + "&size=1000");
        assertThat(items(window)).allSatisfy(event -> assertThat(timestamp(event)).isBetween(from, to.minusMillis(1)));
        assertThat(ids(items(window))).containsSubsequence(inRange);

        // Pages of 3 go through the chain once, in order, each with the same total.
        List<String> paged = new ArrayList<>();
        for (int number = 0; ; number++) {
            JsonNode onePage = page("correlationId=" + download.correlationId() + "&size=3&page=" + number);
            assertThat(onePage.get("total").asLong()).isEqualTo(download.correlated().size());
            assertThat(onePage.get("page").asInt()).isEqualTo(number);
            assertThat(onePage.get("size").asInt()).isEqualTo(3);
            if (items(onePage).isEmpty()) {
                break;
            }
            assertThat(items(onePage).size()).isLessThanOrEqualTo(3);
            paged.addAll(ids(items(onePage)));
        }
        assertThat(paged).isEqualTo(ids(download.correlated()));

        // Blank parameters are no filter.
        JsonNode everything = page("type=&aggregateId=&correlationId=&from=&to=&size=1");
        assertThat(everything.get("total").asLong()).isGreaterThanOrEqualTo(chain.size());
        assertThat(items(everything)).hasSize(1);
    }

    @Test
    void invalid_queries_are_problems_and_only_admins_may_browse() {
        ApiClient api = ApiClient.onPort(port);
        assertProblem(api.get("/api/admin/events?size=1001", ADMIN), 400, "size must be 1 to 1000");
        assertProblem(api.get("/api/admin/events?size=0", ADMIN), 400, "size must be 1 to 1000");
        assertProblem(api.get("/api/admin/events?page=-1", ADMIN), 400, "page must be 0 or more");
        assertProblem(api.get("/api/admin/events?from=yesterday", ADMIN), 400, "from must be an ISO-8601 instant");
        assertProblem(api.get("/api/admin/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", ADMIN), 400,
                "from (inclusive) must be before to");
        assertProblem(api.get("/api/admin/events?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", ADMIN), 400,
                "from (inclusive) must be before to");
        assertProblem(api.get("/api/admin/events?type=NoSuchEvent", ADMIN), 400, "ImageDownloadRequested");
        // The simple name, not the Java class name.
        assertProblem(api.get("/api/admin/events?type=io.picflow.events.downloads.ImageDownloadRequested", ADMIN), 400,
                "Unknown event type");

        assertProblem(api.get("/api/admin/events", TestTokens.user("alice")), 403, null);
        assertProblem(api.get("/api/admin/events", null), 401, null);
    }

    @Test
    void the_correlation_filter_is_served_by_the_correlation_index() {
        EventQuery query = new EventQuery(null, null, "any-correlation-id", null, null, 0, EventQuery.DEFAULT_SIZE);
        EventStoreBrowser.Sql count = EventStoreBrowser.countQuery(query);
        EventStoreBrowser.Sql page = EventStoreBrowser.pageQuery(query, new EventStoreBrowser.Matches(1, 1, 1));

        List<String> plans = transaction.execute(status -> {
            // The test database holds a few hundred events, where a sequential scan is cheapest whatever the
            // indexes. With sequential scans off (for this transaction only), the plan shows whether the index
            // can serve the browser's exact statements at all, which is what this test is about; that it is
            // fast on 1,000,000 events was measured separately (see the event browser docs).
            jdbc.getJdbcOperations().execute("SET LOCAL enable_seqscan = off");
            return List.of(explain(count), explain(page));
        });

        assertThat(plans).allSatisfy(plan -> assertThat(plan).contains("domain_event_entry_correlation"));
    }

    private String explain(EventStoreBrowser.Sql sql) {
        return String.join("\n", jdbc.queryForList("EXPLAIN " + sql.text(), sql.parameters(), String.class));
    }

    /** Downloads {@code /img/<n>.png} with a correlation id of our own and waits until its chain has completed. */
    private Download completedDownload(int n) {
        ApiClient api = ApiClient.onPort(port);
        String user = "browser-" + UUID.randomUUID();
        String token = TestTokens.user(user);
        String correlationId = "events-" + UUID.randomUUID();
        String url = images.url("/img/" + n + ".png");
        HttpResponse<String> accepted = api.postJson("/api/downloads", token, "{\"url\":\"" + url + "\"}",
                "X-Correlation-Id", correlationId);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String downloadId = json.readTree(accepted.body()).get("downloadId").asString();
        String location = accepted.headers().firstValue("Location").orElseThrow();
        await().atMost(WAIT).until(() -> json.readTree(api.get(location, token).body()).get("status").asString().equals("COMPLETED"));

        JsonNode events = await().atMost(WAIT).until(() -> page("correlationId=" + correlationId), found ->
                !items(found).isEmpty() && items(found).get(items(found).size() - 1).get("type").asString().equals("NotificationCreated"));
        assertThat(events.get("total").asLong()).isEqualTo(items(events).size());
        assertThat(events.get("page").asInt()).isZero();
        assertThat(events.get("size").asInt()).isEqualTo(EventQuery.DEFAULT_SIZE);
        List<JsonNode> chain = items(events).stream().filter(event -> event.get("aggregateType").asString().equals("ImageDownload")).toList();
        return new Download(user, downloadId, correlationId, url, chain, items(events));
    }

    private JsonNode page(String query) {
        HttpResponse<String> response = ApiClient.onPort(port).get("/api/admin/events?" + query, ADMIN);
        assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static List<JsonNode> items(JsonNode page) {
        List<JsonNode> items = new ArrayList<>();
        page.get("items").forEach(items::add);
        return items;
    }

    private static List<String> ids(List<JsonNode> events) {
        return events.stream().map(event -> event.get("eventId").asString()).toList();
    }

    private static Instant timestamp(JsonNode event) {
        return Instant.parse(event.get("timestamp").asString());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        if (detail != null) {
            assertThat(json.readTree(response.body()).get("detail").asString()).contains(detail);
        }
    }
}
