package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

/**
 * The HTTP client and fetcher exactly as the fetch worker builds them from the settings the command
 * side ships ({@code picflow-command-side.properties}, without environment or test overrides): they
 * never connect to loopback, however the host is written.
 */
class ShippedFetchClientTest {

    @TempDir
    Path storage;

    private final ExecutorService resolver = Executors.newCachedThreadPool();
    private DownloadsProperties shipped;
    private OkHttpClient client;
    private HttpFetcher fetcher;
    /** A port on loopback that counts connection attempts: accepted connections wait in its backlog. */
    private ServerSocket loopback;

    @BeforeEach
    void buildAsTheWorkerDoes() throws IOException {
        shipped = shippedSettings();
        client = FetchClients.build(shipped, resolver);
        fetcher = FetchClients.fetcher(shipped, client);
        loopback = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    }

    @AfterEach
    void close() throws IOException {
        loopback.close();
        resolver.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Test
    void the_shipped_settings_keep_private_addresses_off() {
        assertThat(shipped.allowPrivateAddresses()).isFalse();
    }

    @Test
    void loopback_is_refused_in_every_spelling_before_any_connection() throws IOException {
        int port = loopback.getLocalPort();
        for (String host : List.of("127.0.0.1", "127.0.0.1.", "localhost", "localhost.", "LOCALHOST.", "[::ffff:127.0.0.1]",
                "[::127.0.0.1]", "[::1]", "[64:ff9b::7f00:1]", "2130706433", "2130706433.", "0x7f.1.", "127.1.")) {
            String url = "http://" + host + ":" + port + "/image.png";

            assertThatThrownBy(() -> fetcher.fetch(url, partial(), (bytes, total) -> { }, new HttpFetcher.Cancellation()))
                    .as(url)
                    .isInstanceOfSatisfying(FetchFailure.class, failure -> {
                        assertThat(failure.code()).as(url + ": " + failure.getMessage()).isEqualTo("FORBIDDEN_ADDRESS");
                        assertThat(failure.retryable()).isFalse();
                    });
        }
        assertNoConnectionWasMade();
    }

    @Test
    void the_client_itself_refuses_loopback_by_name_and_by_peer_address() throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.start(InetAddress.getByName("127.0.0.1"), 0);

            // By name: the DNS guard refuses before connecting.
            assertThatThrownBy(() -> client.newCall(new Request.Builder().url("http://localhost:" + server.getPort() + "/").build())
                    .execute()).isInstanceOf(ForbiddenAddressException.class).hasMessageContaining("127.0.0.1");
            // By IP literal, which OkHttp connects to without asking the DNS (the fetcher checks literals itself; this
            // is the client alone): the peer check refuses before a request is sent on the connection.
            assertThatThrownBy(() -> client.newCall(new Request.Builder().url(server.url("/")).build()).execute())
                    .isInstanceOf(ForbiddenAddressException.class).hasMessageContaining("127.0.0.1");

            assertThat(server.getRequestCount()).isZero();
        }
    }

    /** A connection made to {@link #loopback} would wait in its backlog: accept finds none. */
    private void assertNoConnectionWasMade() throws IOException {
        loopback.setSoTimeout(200);
        assertThatThrownBy(loopback::accept).isInstanceOf(SocketTimeoutException.class);
    }

    private PartialDownload partial() {
        return new PartialDownload(storage.resolve("partial"), "shipped");
    }

    /** {@code picflow.downloads.*} bound from the command side's shipped properties file alone. */
    private static DownloadsProperties shippedSettings() throws IOException {
        Properties file = PropertiesLoaderUtils.loadProperties(new ClassPathResource("picflow-command-side.properties"));
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new PropertiesPropertySource("picflow-command-side.properties", file));
        Binder binder = new Binder(ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources));
        return binder.bindOrCreate("picflow.downloads", DownloadsProperties.class);
    }
}
