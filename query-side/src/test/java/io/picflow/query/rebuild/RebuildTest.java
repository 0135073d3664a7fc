package io.picflow.query.rebuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.picflow.devservices.SocketClient;
import io.picflow.devservices.TestTokens;
import io.picflow.query.cache.KeyValueCache;
import io.picflow.query.support.QuerySideTest;
import io.picflow.query.support.RealisticHistory;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rebuilding read models with the service up, against the real event store, PostgreSQL, Elasticsearch
 * and cache: each rebuilt read model is identical to the one built as the events came (even where
 * the one in service had been tampered with), dead letters are not duplicated, queries read the old
 * read model until the new one is complete, and a cancelled rebuild leaves the old one in service.
 */
class RebuildTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final List<String> TABLES = List.of("download", "image", "image_source", "user_favorite", "user_mutual",
            "user_shortlist", "user_exclusion", "image_favorite", "user_profile", "image_search_favorite", "image_search_source");

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    RestClient elasticsearch;

    @Autowired
    KeyValueCache cache;

    @Value("${picflow.search.alias}")
    String alias;

    @Test
    void every_read_model_rebuilt_is_identical_to_the_one_built_as_the_events_came() {
        RealisticHistory history = RealisticHistory.create(personalData);
        eventStore.publish(history.events());
        awaitAllAtHead();
        Map<String, List<String>> builtLive = dumpOf(history);
        assertThat(builtLive.get("download")).anyMatch(row -> row.contains(history.failed()));
        assertThat(builtLive.get("search")).anyMatch(doc -> doc.contains(history.imageId()));
        assertThat(builtLive.get("cache")).anyMatch(entry -> entry.contains(history.ann()));

        // Rebuilt from the first event, every read model holds what it held, built as the events came.
        // (Other tests share this database: events they parked for a cause since removed are applied by a rebuild,
        // so the comparison of whole read models is with a first rebuild of each.)
        for (String readModel : List.of("downloads", "images", "favorites", "users", "image-search", "cache", "notification-inbox")) {
            assertThat(rebuild(readModel).get("state").asString()).isEqualTo("COMPLETED");
        }
        awaitAllAtHead();
        assertThat(dumpOf(history)).isEqualTo(builtLive);
        Map<String, List<String>> before = dump();
        List<String> deadLettersBefore = deadLetters();
        assertThat(deadLettersBefore).doesNotHaveDuplicates();

        // Each read model is tampered with, then rebuilt: what the events say comes back.
        Map<String, Runnable> tampering = new LinkedHashMap<>();
        tampering.put("downloads", () -> jdbc.sql("UPDATE download SET status = 'CANCELLED' WHERE download_id = ?")
                .param(history.failed()).update());
        tampering.put("images", () -> jdbc.sql("UPDATE image SET width = 1 WHERE image_id = ?").param(history.imageId()).update());
        tampering.put("favorites", () -> jdbc.sql("DELETE FROM user_mutual WHERE user_id = ?").param(history.ann()).update());
        tampering.put("users", () -> jdbc.sql("UPDATE user_profile SET display_name = 'tampered' WHERE user_id = ?")
                .param(history.ann()).update());
        tampering.put("image-search", () -> elasticsearch("POST", "/" + alias + "/_update/" + history.imageId() + "?refresh=true",
                "{\"doc\":{\"favoriteCount\":999}}"));
        tampering.put("cache", () -> cache.forget(new KeyValueCache.Key<>("user:" + history.ann(), true)));

        for (Map.Entry<String, Runnable> readModel : tampering.entrySet()) {
            readModel.getValue().run();
            assertThat(dump()).as("tampered %s", readModel.getKey()).isNotEqualTo(before);

            JsonNode progress = rebuild(readModel.getKey());

            assertThat(progress.get("state").asString()).isEqualTo("COMPLETED");
            assertThat(progress.get("eventsProcessed").asLong()).isPositive();
            assertThat(progress.get("position").asLong()).isGreaterThanOrEqualTo(history.events().size());
            assertThat(progress.get("head").asLong()).isGreaterThanOrEqualTo(progress.get("position").asLong());
            assertThat(progress.get("eventsPerSecond").asDouble()).isPositive();
            assertThat(progress.get("etaSeconds").asLong()).isZero();
            awaitAllAtHead();
            assertThat(dump()).as("after rebuilding %s", readModel.getKey()).isEqualTo(before);
            assertThat(deadLetters()).as("dead letters after rebuilding %s", readModel.getKey()).isEqualTo(deadLettersBefore);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'rebuild\\_%' "
                + "OR schema_name LIKE 'retired\\_%'").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM query_token_entry WHERE processor_name LIKE '%.rebuild'").query(Long.class).single())
                .isZero();

        // The read models go on from where the rebuild stopped.
        RealisticHistory later = RealisticHistory.create(personalData);
        eventStore.publish(later.events());
        awaitAllAtHead();
        assertThat(jdbc.sql("SELECT status FROM download WHERE download_id = ?").param(later.failed()).query(String.class).single())
                .isEqualTo("FAILED");
        assertThat(readCache.user(later.ann())).isPresent();
    }

    @Test
    void queries_read_the_old_read_model_until_the_new_one_is_complete_and_a_cancelled_rebuild_leaves_it_in_service() throws Exception {
        RealisticHistory history = RealisticHistory.create(personalData);
        eventStore.publish(history.events());
        awaitAllAtHead();
        String cat = TestTokens.user(history.cat());
        jdbc.sql("UPDATE download SET status = 'CANCELLED' WHERE download_id = ?").param(history.failed()).update();

        String id;
        try (RebuildBlocker blocked = new RebuildBlocker("rebuild_downloads")) {
            id = start("downloads");
            assertThat(status("downloads", id).get("state").asString()).isEqualTo("RUNNING");
            // One rebuild of a read model at a time.
            HttpResponse<String> second = api().send("POST", "/api/admin/projections/downloads/rebuild", TestTokens.admin("ops"),
                    java.net.http.HttpRequest.BodyPublishers.noBody());
            assertThat(second.statusCode()).isEqualTo(409);
            assertThat(second.body()).contains(id);
            // The live processor is the rebuild's to stop and start meanwhile.
            HttpResponse<String> pause = api().send("POST", "/api/admin/processors/downloads/pause", TestTokens.admin("ops"),
                    java.net.http.HttpRequest.BodyPublishers.noBody());
            assertThat(pause.statusCode()).isEqualTo(409);
            assertThat(pause.body()).contains("being rebuilt");
            // Queries go on, on the read model in service.
            assertThat(statusInList(cat, history.failed())).isEqualTo("CANCELLED");

            HttpResponse<String> cancel = api().send("DELETE", "/api/admin/projections/downloads/rebuild/" + id, TestTokens.admin("ops"),
                    java.net.http.HttpRequest.BodyPublishers.noBody());
            assertThat(cancel.statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> status("downloads", id).get("state").asString().equals("CANCELLED"));
        assertThat(statusInList(cat, history.failed())).isEqualTo("CANCELLED");
        assertThat(jdbc.sql("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'rebuild_downloads'")
                .query(Long.class).single()).isZero();
        HttpResponse<String> again = api().send("DELETE", "/api/admin/projections/downloads/rebuild/" + id, TestTokens.admin("ops"),
                java.net.http.HttpRequest.BodyPublishers.noBody());
        assertThat(again.statusCode()).isEqualTo(409);

        // A rebuild that completes puts the new read model in service at its end, and only then.
        String completed;
        try (RebuildBlocker blocked = new RebuildBlocker("rebuild_downloads")) {
            completed = start("downloads");
            assertThat(statusInList(cat, history.failed())).isEqualTo("CANCELLED");
            assertThat(status("downloads", completed).get("state").asString()).isEqualTo("RUNNING");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> status("downloads", completed).get("state").asString().equals("COMPLETED"));
        assertThat(statusInList(cat, history.failed())).isEqualTo("FAILED");
    }

    @Test
    void a_read_model_being_rebuilt_on_another_node_is_not_rebuilt_here() throws Exception {
        // Another node's rebuild holds the read model's advisory lock (the same key: "PFRB" and the CRC-32 of its name).
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("images".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (Connection otherNode = dataSource.getConnection(); Statement statement = otherNode.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + 0x50465242 + ", " + (int) crc.getValue() + ")");
            HttpResponse<String> refused = api().send("POST", "/api/admin/projections/images/rebuild", TestTokens.admin("ops"),
                    java.net.http.HttpRequest.BodyPublishers.noBody());
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.body()).contains("another node");
            statement.execute("SELECT pg_advisory_unlock(" + 0x50465242 + ", " + (int) crc.getValue() + ")");
        }
        assertThat(rebuild("images").get("state").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void rebuild_progress_is_published_on_the_admin_stream_and_the_api_is_for_admins_only() {
        // A token in the query, and a ticket (what a browser uses): both follow the rebuild to its end.
        try (SocketClient admin = SocketClient.connect(port, "/ws/admin?access_token=" + TestTokens.admin("ops"));
                SocketClient withTicket = SocketClient.connect(port, "/ws/admin?ticket=" + wsTicket(TestTokens.admin("ops")))) {
            String id = start("users");
            for (SocketClient client : List.of(admin, withTicket)) {
                List<SocketClient.Frame> frames = client.until(text -> text.contains(id) && text.contains("\"COMPLETED\""),
                        Duration.ofSeconds(60));
                List<JsonNode> ours = new ArrayList<>();
                frames.stream().map(frame -> json.readTree(frame.text())).filter(frame -> frame.get("rebuildId").asString().equals(id))
                        .forEach(ours::add);
                assertThat(ours).allMatch(frame -> frame.get("type").asString().equals("RebuildProgress")
                        && frame.get("projection").asString().equals("users"));
                assertThat(ours.get(0).get("state").asString()).isEqualTo("RUNNING");
                assertThat(ours.get(ours.size() - 1).get("eventsProcessed").asLong()).isPositive();
            }
        }
        try (SocketClient user = SocketClient.connect(port, "/ws/admin?access_token=" + TestTokens.user("mallory"));
                SocketClient userTicket = SocketClient.connect(port, "/ws/admin?ticket=" + wsTicket(TestTokens.user("mallory")));
                SocketClient unknownTicket = SocketClient.connect(port, "/ws/admin?ticket=not-a-ticket")) {
            assertThat(user.closeCode().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join()).isEqualTo(4403);
            assertThat(userTicket.closeCode().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join()).isEqualTo(4403);
            assertThat(unknownTicket.closeCode().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join()).isEqualTo(4401);
        }
        HttpResponse<String> forbidden = api().send("POST", "/api/admin/projections/users/rebuild", TestTokens.user("mallory"),
                java.net.http.HttpRequest.BodyPublishers.noBody());
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
        HttpResponse<String> unknown = api().send("POST", "/api/admin/projections/live-feed/rebuild", TestTokens.admin("ops"),
                java.net.http.HttpRequest.BodyPublishers.noBody());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("downloads, images, favorites, users, notification-inbox, image-search, cache");
        assertThat(api().get("/api/admin/projections/users/rebuild/nope", TestTokens.admin("ops")).statusCode()).isEqualTo(404);
    }

    @Test
    void the_cli_rebuilds_a_read_model_and_follows_it_to_the_end() throws Exception {
        CliRun followed = cli(TestTokens.admin("ops"), "rebuild", "favorites", "--follow");
        assertThat(followed.exitCode()).as(followed.stderr()).isZero();
        assertThat(followed.stdout()).contains("\"projection\":\"favorites\"").contains("\"state\":\"COMPLETED\"");

        CliRun forbidden = cli(TestTokens.user("mallory"), "processors");
        assertThat(forbidden.exitCode()).isEqualTo(1);
        assertThat(forbidden.stderr()).contains("403");
        CliRun unknown = cli(TestTokens.admin("ops"), "rebuild", "live-feed");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("No read model named 'live-feed'");
    }

    private record CliRun(int exitCode, String stdout, String stderr) {
    }

    /** Runs scripts/PicflowAdmin.java as a user would, with this JVM's java launcher. */
    private CliRun cli(String token, String... arguments) throws Exception {
        java.nio.file.Path script = java.nio.file.Path.of("..", "scripts", "PicflowAdmin.java").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), script.toString(),
                "--url", "http://127.0.0.1:" + port, "--token", token));
        command.addAll(List.of(arguments));
        java.io.File out = java.io.File.createTempFile("cli", ".out");
        java.io.File err = java.io.File.createTempFile("cli", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        assertThat(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the CLI finished").isTrue();
        return new CliRun(process.exitValue(), java.nio.file.Files.readString(out.toPath()), java.nio.file.Files.readString(err.toPath()));
    }

    /** Starts a rebuild through the API and waits for its end. */
    private JsonNode rebuild(String name) {
        String id = start(name);
        await().atMost(Duration.ofSeconds(120)).until(() -> !status(name, id).get("state").asString().equals("RUNNING"));
        return status(name, id);
    }

    private String start(String name) {
        HttpResponse<String> started = api().send("POST", "/api/admin/projections/" + name + "/rebuild", TestTokens.admin("ops"),
                java.net.http.HttpRequest.BodyPublishers.noBody());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = json.readTree(started.body()).get("rebuildId").asString();
        assertThat(started.headers().firstValue("Location")).hasValue("/api/admin/projections/" + name + "/rebuild/" + id);
        return id;
    }

    private JsonNode status(String name, String id) {
        HttpResponse<String> response = api().get("/api/admin/projections/" + name + "/rebuild/" + id, TestTokens.admin("ops"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** The status of a download as the list endpoint shows it (it reads PostgreSQL, not the cache). */
    private String statusInList(String token, String downloadId) {
        JsonNode page = json.readTree(api().get("/api/downloads?size=100", token).body());
        for (JsonNode item : page.get("items")) {
            if (item.get("downloadId").asString().equals(downloadId)) {
                return item.get("status").asString();
            }
        }
        throw new AssertionError("Download " + downloadId + " not listed: " + page);
    }

    /** What the read models hold about one history's subjects. */
    private Map<String, List<String>> dumpOf(RealisticHistory history) {
        List<String> ids = List.of(history.ann(), history.bob(), history.cat(), history.imageId(), history.stored(), history.again(),
                history.failed());
        Map<String, List<String>> ours = new LinkedHashMap<>();
        dump().forEach((name, rows) -> ours.put(name, rows.stream().filter(row -> ids.stream().anyMatch(row::contains)).toList()));
        return ours;
    }

    /** Every read model, as text: the rebuildable tables, the search index and the cache entries of every subject. */
    private Map<String, List<String>> dump() {
        Map<String, List<String>> dump = new LinkedHashMap<>();
        for (String table : TABLES) {
            dump.put(table, jdbc.sql("SELECT to_jsonb(t)::text FROM " + table + " t ORDER BY 1").query(String.class).list());
        }
        elasticsearch("POST", "/" + alias + "/_refresh", null);
        JsonNode hits = json.readTree(elasticsearch("POST", "/" + alias + "/_search",
                "{\"size\":10000,\"sort\":[{\"imageId\":\"asc\"}]}")).get("hits").get("hits");
        List<String> documents = new ArrayList<>();
        hits.forEach(hit -> documents.add(hit.get("_id").asString() + " " + hit.get("_source")));
        dump.put("search", documents);
        List<String> cached = new ArrayList<>();
        Consumer<Object> add = entry -> cached.add(String.valueOf(entry));
        jdbc.sql("SELECT download_id FROM download ORDER BY 1").query(String.class).list()
                .forEach(id -> add.accept(readCache.download(id).orElse(null)));
        jdbc.sql("SELECT image_id FROM image ORDER BY 1").query(String.class).list()
                .forEach(id -> add.accept(readCache.image(id).orElse(null)));
        jdbc.sql("SELECT user_id FROM user_profile ORDER BY 1").query(String.class).list()
                .forEach(id -> add.accept(readCache.user(id).orElse(null)));
        dump.put("cache", cached);
        return dump;
    }

    /** Every parked event: its group, sequence, event and sequence number (the causes may differ in wording). */
    private List<String> deadLetters() {
        return jdbc.sql("SELECT processing_group || ' ' || sequence_identifier || ' ' || event_identifier || ' ' || payload_type "
                + "|| ' ' || coalesce(sequence_number, -1) FROM query_dead_letter_entry ORDER BY 1").query(String.class).list();
    }

    private String elasticsearch(String method, String path, String body) {
        try {
            Request request = new Request(method, path);
            if (body != null) {
                request.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
            }
            try (InputStream in = elasticsearch.performRequest(request).getEntity().getContent()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Holds a rebuild in its first step: a table in the rebuild's schema, locked by an open transaction,
     * keeps the rebuild from dropping that schema until this closes. The read model in service is untouched.
     */
    private final class RebuildBlocker implements AutoCloseable {
        private final Connection connection;

        RebuildBlocker(String schema) throws Exception {
            jdbc.sql("CREATE SCHEMA IF NOT EXISTS " + schema).update();
            jdbc.sql("CREATE TABLE IF NOT EXISTS " + schema + ".blocker (x int)").update();
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("LOCK TABLE " + schema + ".blocker IN ACCESS EXCLUSIVE MODE");
            }
        }

        @Override
        public void close() throws Exception {
            connection.rollback();
            connection.close();
        }
    }
}
