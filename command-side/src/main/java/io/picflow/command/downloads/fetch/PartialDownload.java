package io.picflow.command.downloads.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import okhttp3.Request;

/**
 * The bytes of a download received so far, kept across a pause (and a restart) next to the
 * validators (ETag, Last-Modified) that prove, through {@code If-Range}, that the server still
 * has the same resource. Without a validator a partial file cannot be continued safely.
 */
final class PartialDownload {

    private final Path file;
    private final Path validators;

    PartialDownload(Path directory, String downloadId) {
        this.file = directory.resolve(downloadId + ".part");
        this.validators = directory.resolve(downloadId + ".validators");
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
     * Renames the complete file to a name of fetch {@code fetch}'s own and forgets the validators:
     * processing then works on it while a later fetch of the same download (after a watchdog retry)
     * could only ever start a new partial file.
     */
    Path handOver(int fetch) throws IOException {
        Path owned = file.resolveSibling(file.getFileName().toString().replace(".part", ".fetch" + fetch));
        Files.move(file, owned, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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
