package io.picflow.command.downloads.fetch;

import static io.picflow.events.downloads.DownloadErrorCodes.CONNECTION_FAILED;
import static io.picflow.events.downloads.DownloadErrorCodes.CONNECTION_RESET;
import static io.picflow.events.downloads.DownloadErrorCodes.CONNECT_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.DNS_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.FORBIDDEN_ADDRESS;
import static io.picflow.events.downloads.DownloadErrorCodes.HTTP_CLIENT_ERROR;
import static io.picflow.events.downloads.DownloadErrorCodes.RATE_LIMITED;
import static io.picflow.events.downloads.DownloadErrorCodes.READ_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.REQUEST_TIMEOUT;
import static io.picflow.events.downloads.DownloadErrorCodes.SERVER_ERROR;
import static io.picflow.events.downloads.DownloadErrorCodes.STALLED;
import static io.picflow.events.downloads.DownloadErrorCodes.TLS_ERROR;
import static io.picflow.events.downloads.DownloadErrorCodes.TOO_LARGE;
import static io.picflow.events.downloads.DownloadErrorCodes.TOO_MANY_REDIRECTS;
import static io.picflow.events.downloads.DownloadErrorCodes.TRUNCATED;
import static io.picflow.events.downloads.DownloadErrorCodes.UNKNOWN_HOST;
import static io.picflow.events.downloads.DownloadErrorCodes.UNSUPPORTED_SCHEME;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Streams one URL into a partial file: never the whole image in memory. Follows redirects itself
 * (each hop goes through the address checks again), continues a partial file with a {@code Range}
 * request guarded by {@code If-Range}, enforces the size limit before and during the transfer, and
 * classifies every failure as transient or permanent.
 */
final class HttpFetcher {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[\\d.]+");

    private final OkHttpClient client;
    private final DownloadsProperties properties;
    private final AddressPolicy policy;

    HttpFetcher(OkHttpClient client, DownloadsProperties properties, AddressPolicy policy) {
        this.client = client;
        this.properties = properties;
        this.policy = policy;
    }

    record Fetched(Path file, long bytes, String contentType, String sha256) {
    }

    interface Progress {
        void received(long bytes, Long totalBytes);
    }

    /** Lets another thread (pause, cancel) stop the transfer. */
    static final class Cancellation {
        private volatile Call call;
        private volatile boolean cancelled;

        void cancel() {
            cancelled = true;
            Call current = call;
            if (current != null) {
                current.cancel();
            }
        }

        boolean isCancelled() {
            return cancelled;
        }

        void track(Call call) {
            this.call = call;
            if (cancelled) {
                call.cancel();
            }
        }
    }

    /** The transfer was stopped on purpose (pause or cancel): not a failure. */
    static final class Cancelled extends Exception {
        Cancelled() {
            super("cancelled");
        }
    }

    Fetched fetch(String url, PartialDownload partial, Progress progress, Cancellation cancellation)
            throws FetchFailure, Cancelled {
        HttpUrl current = HttpUrl.parse(url);
        if (current == null) {
            throw FetchFailure.permanent(UNSUPPORTED_SCHEME, "Not an http(s) URL: " + url);
        }
        boolean restarted = false;
        for (int redirects = 0; ; ) {
            try (Response response = execute(current, partial, cancellation)) {
                int code = response.code();
                if (response.isRedirect()) {
                    if (++redirects > properties.maxRedirects()) {
                        throw FetchFailure.permanent(TOO_MANY_REDIRECTS, "More than " + properties.maxRedirects() + " redirects");
                    }
                    current = redirectTarget(current, response.header("Location"));
                    // The partial file is kept: the next hop asks for the rest again, and If-Range lets the server
                    // at the end of the redirects decide whether it still is the resource the bytes came from
                    // (206 continues it, 200 replaces it).
                    continue;
                }
                if (code == 416 && partial.size() > 0 && !restarted) {
                    partial.discard();
                    restarted = true;
                    continue;
                }
                requireSuccess(response);
                if (code == 206 && rangeStart(response) != partial.size()) {
                    // A range we did not ask for: the partial file cannot be continued with it.
                    partial.discard();
                    if (restarted) {
                        throw FetchFailure.transientFailure(TRUNCATED, "The server keeps answering with an unrequested range");
                    }
                    restarted = true;
                    continue;
                }
                return receive(response, partial, progress);
            } catch (FetchFailure failure) {
                throw failure;
            } catch (IOException e) {
                if (cancellation.isCancelled()) {
                    throw new Cancelled();
                }
                throw classify(e);
            }
        }
    }

    private Response execute(HttpUrl url, PartialDownload partial, Cancellation cancellation) throws IOException {
        HttpUrl target = literalAsItIs(url);
        requireAllowedLiteral(target.host());
        Request request = partial.decorate(new Request.Builder().url(target)
                .header("User-Agent", "picflow/0.1 (+image library)")
                .header("Accept", "image/*")).build();
        Call call = client.newCall(request);
        cancellation.track(call);
        return call.execute();
    }

    /**
     * {@code 127.0.0.1.} is the IPv4 literal 127.0.0.1 with DNS's root dot. OkHttp takes any host of
     * digits and dots for an address and hands it to {@code InetAddress.getByName}, past our DNS
     * guard; the JDK does not parse the dotted form as an address and asks the system resolver, which
     * may answer anything. Without the dot it is the literal it is, and checked as one.
     */
    private static HttpUrl literalAsItIs(HttpUrl url) {
        String host = url.host();
        if (host.endsWith(".") && DIGITS_AND_DOTS.matcher(host).matches()) {
            return url.newBuilder().host(AddressPolicy.withoutRootDot(host)).build();
        }
        return url;
    }

    /**
     * OkHttp connects to an IP literal without asking the DNS: check it before connecting, so that
     * not even a connection attempt (a port scan) reaches a forbidden address.
     */
    private void requireAllowedLiteral(String host) throws IOException {
        // OkHttp takes any digits-and-dots host (2130706433, 0177.0.0.1, 127.1) for an address, not a name.
        AddressPolicy.requireUsualNotation(host);
        if (host.contains(":") || DOTTED_QUAD.matcher(host).matches()) {
            InetAddress address = InetAddress.getByName(host); // a literal: parsed, never resolved
            if (!policy.allows(address)) {
                throw new ForbiddenAddressException("Forbidden address: " + host);
            }
        }
    }

    private Fetched receive(Response response, PartialDownload partial, Progress progress) throws IOException, FetchFailure {
        ResponseBody body = response.body();
        if (response.code() != 206) {
            partial.truncate(); // a full body: whatever we had is replaced
        }
        partial.rememberValidators(response.header("ETag"), response.header("Last-Modified"));
        long length = body.contentLength();
        Long total = length >= 0 ? Long.valueOf(partial.size() + length) : null;
        if (total != null && total > properties.maxBytes()) {
            throw FetchFailure.permanent(TOO_LARGE, "The image is " + total + " bytes; the limit is " + properties.maxBytes());
        }
        MessageDigest sha256 = sha256();
        partial.hashExistingInto(sha256);
        long received = partial.size();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = body.byteStream();
             OutputStream out = Files.newOutputStream(partial.file(), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (received + n > properties.maxBytes()) {
                    throw FetchFailure.permanent(TOO_LARGE, "The body exceeds the limit of " + properties.maxBytes() + " bytes");
                }
                out.write(buffer, 0, n);
                sha256.update(buffer, 0, n);
                received += n;
                progress.received(received, total);
            }
        }
        if (total != null && received < total) {
            throw FetchFailure.transientFailure(TRUNCATED, "The body ended after " + received + " of " + total + " bytes");
        }
        String contentType = response.header("Content-Type");
        return new Fetched(partial.file(), received, contentType, HexFormat.of().formatHex(sha256.digest()));
    }

    private static HttpUrl redirectTarget(HttpUrl from, String location) throws FetchFailure {
        if (location == null) {
            throw FetchFailure.permanent(HTTP_CLIENT_ERROR, "A redirect without a Location header");
        }
        HttpUrl next = from.resolve(location);
        if (next == null) {
            throw FetchFailure.permanent(UNSUPPORTED_SCHEME, "Redirect to a URL that is not http(s): " + location);
        }
        return next;
    }

    private static void requireSuccess(Response response) throws FetchFailure {
        int code = response.code();
        if (code == 200 || code == 206) {
            return;
        }
        String message = "HTTP " + code + " from " + response.request().url().host();
        Duration retryAfter = retryAfter(response.header("Retry-After"));
        if (code == 408) {
            throw new FetchFailure(REQUEST_TIMEOUT, message, true, retryAfter);
        }
        if (code == 429) {
            throw new FetchFailure(RATE_LIMITED, message, true, retryAfter);
        }
        if (code >= 500) {
            throw new FetchFailure(SERVER_ERROR, message, true, retryAfter);
        }
        throw FetchFailure.permanent(HTTP_CLIENT_ERROR, message);
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration until = Duration.between(Instant.now(), at);
                return until.isNegative() ? Duration.ZERO : until;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }

    private static long rangeStart(Response response) {
        String range = response.header("Content-Range");
        if (range == null) {
            return -1;
        }
        Matcher matcher = CONTENT_RANGE.matcher(range.trim());
        return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
    }

    static FetchFailure classify(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof ForbiddenAddressException) {
            return FetchFailure.permanent(FORBIDDEN_ADDRESS, message);
        }
        if (e instanceof GuardedDns.DnsTimeoutException) {
            return FetchFailure.transientFailure(DNS_TIMEOUT, message);
        }
        if (e instanceof UnknownHostException) {
            return FetchFailure.permanent(UNKNOWN_HOST, "Unknown host: " + message);
        }
        if (e instanceof SocketTimeoutException) {
            return message.toLowerCase().contains("connect")
                    ? FetchFailure.transientFailure(CONNECT_TIMEOUT, "Connect timed out")
                    : FetchFailure.transientFailure(STALLED, "No data received for the stall timeout");
        }
        if (e instanceof InterruptedIOException) {
            return FetchFailure.transientFailure(READ_TIMEOUT, "The transfer took longer than the overall timeout");
        }
        if (e instanceof SSLException) {
            return FetchFailure.permanent(TLS_ERROR, "TLS failed: " + message);
        }
        if (e instanceof ConnectException) {
            return FetchFailure.transientFailure(CONNECTION_FAILED, "Could not connect: " + message);
        }
        if (e instanceof EOFException || e instanceof ProtocolException || message.contains("unexpected end of stream")) {
            return FetchFailure.transientFailure(TRUNCATED, "The body ended early: " + message);
        }
        return FetchFailure.transientFailure(CONNECTION_RESET, "The connection failed: " + message);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
