package io.picflow.command.downloads.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.DirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of a download received so far, kept across a pause (and a restart) next to the
 * validators (ETag, Last-Modified) that prove, through {@code If-Range}, that the server still
 * has the same resource. Without a validator a partial file cannot be continued safely.
 *
 * <p>Each fetch of a download writes files of its own ({@code <id>.f<fetch>.part} and {@code .validators}): the
 * image storage is shared by all command nodes, and a fetch that a stalled node still runs must never write into
 * the file of the fetch that replaced it. A new fetch starts from a copy of the newest earlier fetch's bytes
 * ({@link #adoptEarlier()}), a copy and not a rename, because an earlier fetch that has not noticed it was stopped
 * would go on appending to whatever file its open handle names.
 */
final class PartialDownload {

    private static final Logger log = LoggerFactory.getLogger(PartialDownload.class);

    private final Path directory;
    private final String downloadId;
    private final int fetch;
    private final Path file;
    private final Path validators;

    /** The files of one fetch of a download. */
    PartialDownload(Path directory, String downloadId, int fetch) {
        this.directory = directory;
        this.downloadId = downloadId;
        this.fetch = fetch;
        this.file = directory.resolve(downloadId + ".f" + fetch + ".part");
        this.validators = directory.resolve(downloadId + ".f" + fetch + ".validators");
    }

    /** A download's only fetch, for tests of one transfer. */
    PartialDownload(Path directory, String downloadId) {
        this(directory, downloadId, 1);
    }

    /**
     * If this fetch has no file yet, copies the bytes and validators of the newest earlier fetch of the download that
     * left some (a pause or a failure keeps them for a resume), and deletes the earlier fetches' files. Files named
     * {@code <id>.part} (before fetches had files of their own) count as fetch 0.
     */
    void adoptEarlier() throws IOException {
        if (Files.exists(file) || !Files.isDirectory(directory)) {
            return;
        }
        List<Path> earlier = new ArrayList<>();
        int newest = -1;
        Path newestFile = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, downloadId + ".*")) {
            for (Path candidate : files) {
                int number = fetchOf(candidate.getFileName().toString());
                if (number >= 0 && number < fetch) {
                    earlier.add(candidate);
                    if (candidate.getFileName().toString().endsWith(".part") && number > newest) {
                        newest = number;
                        newestFile = candidate;
                    }
                }
            }
        }
        if (newestFile != null) {
            Path newestValidators = newestFile.resolveSibling(newestFile.getFileName().toString().replace(".part", ".validators"));
            if (Files.exists(newestValidators)) {
                Files.copy(newestValidators, validators, StandardCopyOption.REPLACE_EXISTING);
            }
            Path copy = file.resolveSibling(file.getFileName() + "." + java.util.UUID.randomUUID() + ".copy");
            Files.copy(newestFile, copy, StandardCopyOption.REPLACE_EXISTING);
            Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE);
            log.debug("Download {} fetch {} continues the {} bytes of fetch {}", downloadId, fetch, Files.size(file), newest);
        }
        for (Path old : earlier) {
            Files.deleteIfExists(old);
        }
    }

    /** The fetch number in a partial file's name: {@code <id>.f<n>.part|validators}, 0 for {@code <id>.part}; else -1. */
    private int fetchOf(String name) {
        String rest = name.substring(downloadId.length());
        if (rest.equals(".part") || rest.equals(".validators")) {
            return 0;
        }
        if (!rest.startsWith(".f") || !(rest.endsWith(".part") || rest.endsWith(".validators"))) {
            return -1;
        }
        String digits = rest.substring(2, rest.lastIndexOf('.'));
        return digits.matches("[0-9]{1,9}") ? Integer.parseInt(digits) : -1;
    }

    /** Deletes the partial files of every fetch of the download up to {@code upToFetch}. */
    static void discardAll(Path directory, String downloadId, int upToFetch) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        PartialDownload any = new PartialDownload(directory, downloadId, upToFetch + 1);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, downloadId + ".*")) {
            for (Path candidate : files) {
                int number = any.fetchOf(candidate.getFileName().toString());
                if (number >= 0 && number <= upToFetch) {
                    Files.deleteIfExists(candidate);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the partial downloads of " + downloadId, e);
        }
    }

    Path file() {
        return file;
    }

    long size() {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds Range and If-Range when there is something to continue; forgets bytes it cannot prove current. */
    Request.Builder decorate(Request.Builder request) throws IOException {
        long size = size();
        if (size == 0) {
            return request;
        }
        String ifRange = ifRangeValue();
        if (ifRange == null) {
            discard();
            return request;
        }
        return request.header("Range", "bytes=" + size + "-").header("If-Range", ifRange);
    }

    private String ifRangeValue() throws IOException {
        if (!Files.exists(validators)) {
            return null;
        }
        List<String> lines = Files.readAllLines(validators, StandardCharsets.UTF_8);
        String etag = lines.size() > 0 ? lines.get(0) : "";
        String lastModified = lines.size() > 1 ? lines.get(1) : "";
        // RFC 9110: If-Range needs a strong validator; a weak ETag would not do.
        if (!etag.isBlank() && !etag.startsWith("W/")) {
            return etag;
        }
        return lastModified.isBlank() ? null : lastModified;
    }

    void rememberValidators(String etag, String lastModified) throws IOException {
        Files.createDirectories(validators.getParent());
        Files.writeString(validators, (etag == null ? "" : etag) + "\n" + (lastModified == null ? "" : lastModified) + "\n",
                StandardCharsets.UTF_8);
    }

    void truncate() throws IOException {
        Files.createDirectories(file.getParent());
        Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING).close();
    }

    void hashExistingInto(MessageDigest digest) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
    }

    /**
     * Renames the complete file to a name of this fetch's own and forgets the validators:
     * processing then works on it while a later fetch of the same download (after a watchdog retry)
     * could only ever start a new partial file.
     */
    Path handOver() throws IOException {
        Path owned = directory.resolve(downloadId + ".fetch" + fetch);
        Files.move(file, owned, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(validators);
        return owned;
    }

    void discard() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(validators);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the partial download " + file, e);
        }
    }
}
