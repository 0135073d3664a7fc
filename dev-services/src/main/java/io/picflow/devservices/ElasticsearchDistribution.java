package io.picflow.devservices;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Elasticsearch integ-test distribution (a zip on Maven Central), fetching it when the
 * local Maven repository does not have it, and unpacks it once into a shared cache directory.
 */
public final class ElasticsearchDistribution {

    private static final Logger log = LoggerFactory.getLogger(ElasticsearchDistribution.class);
    private static final String CENTRAL = "https://repo.maven.apache.org/maven2";

    private final String version;

    private ElasticsearchDistribution(String version) {
        this.version = version;
    }

    /** The version the build pins (see the root pom). */
    public static ElasticsearchDistribution pinned() {
        try (InputStream in = ElasticsearchDistribution.class.getResourceAsStream("/picflow-dev-services.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return new ElasticsearchDistribution(properties.getProperty("elasticsearch.version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String version() {
        return version;
    }

    /** Returns the unpacked distribution's home directory under {@code cacheDirectory}, unpacking it first if needed. */
    public Path unpackedInto(Path cacheDirectory) {
        Path home = cacheDirectory.resolve("elasticsearch-" + version);
        if (Files.isRegularFile(home.resolve("bin/elasticsearch"))) {
            return home;
        }
        try {
            Files.createDirectories(cacheDirectory);
            // Two JVMs may start at once (tests, a developer's run): one unpacks, the other waits.
            try (FileChannel channel = FileChannel.open(cacheDirectory.resolve(".unpack.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (!Files.isRegularFile(home.resolve("bin/elasticsearch"))) {
                    unpack(zip(cacheDirectory), home);
                }
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack Elasticsearch " + version + " into " + cacheDirectory, e);
        }
    }

    private Path zip(Path cacheDirectory) throws IOException {
        String relative = "org/elasticsearch/distribution/integ-test-zip/elasticsearch/" + version
                + "/elasticsearch-" + version + ".zip";
        Path inLocalRepository = localMavenRepository().resolve(relative);
        if (Files.isRegularFile(inLocalRepository)) {
            return inLocalRepository;
        }
        Path downloaded = cacheDirectory.resolve("elasticsearch-" + version + ".zip");
        if (!Files.isRegularFile(downloaded)) {
            download(URI.create(CENTRAL + "/" + relative), downloaded);
        }
        return downloaded;
    }

    private static Path localMavenRepository() {
        String configured = System.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    private void download(URI uri, Path target) throws IOException {
        log.info("Fetching Elasticsearch {} from {} (about 110 MB, once)", version, uri);
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<Path> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(partial));
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri + " answered " + response.statusCode());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while fetching " + uri, e);
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void unpack(Path zip, Path home) throws IOException {
        log.info("Unpacking {} into {}", zip, home);
        Path staging = Files.createTempDirectory(home.getParent(), home.getFileName() + ".unpacking");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                // The zip has one top-level directory (elasticsearch-<version>/): strip it.
                String name = entry.getName();
                int slash = name.indexOf('/');
                if (slash < 0 || slash == name.length() - 1) {
                    continue;
                }
                Path target = staging.resolve(name.substring(slash + 1)).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("Zip entry escapes the target directory: " + name);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    if (target.getParent().getFileName().toString().equals("bin")) {
                        target.toFile().setExecutable(true, false);
                    }
                }
            }
        }
        Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
    }
}
