package io.picflow.bench;

import static io.picflow.bench.BenchSupport.abbreviate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few picflow calls the lifecycle benchmark makes, over one keep-alive HTTP/1.1 client with timeouts. */
final class LifecycleApi {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern DOWNLOAD_ID = Pattern.compile("\"downloadId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TOTAL = Pattern.compile("\"total\"\\s*:\\s*(\\d+)");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([A-Z_]+)\"");
    private static final Pattern BYTES_RECEIVED = Pattern.compile("\"bytesReceived\"\\s*:\\s*(\\d+)");
    private static final Pattern ERROR_CODE = Pattern.compile("\"code\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern ERROR_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Every status a download can show, in lifecycle order. */
    static final String[] STATUSES = {"REQUESTED", "FETCHING", "VALIDATING", "PROCESSING", "STORING", "COMPLETED",
            "FAILED", "RETRY_SCHEDULED", "PAUSED", "CANCELLED"};

    private final URI baseUrl;
    private final HttpClient client;
    /** GETs sent: the client's own reads, whose cost the units of work subtract (LifecycleUnits). */
    private final AtomicLong reads = new AtomicLong();

    LifecycleApi(URI baseUrl) {
        this.baseUrl = baseUrl;
        this.client = BenchSupport.httpClient();
    }

    URI baseUrl() {
        return baseUrl;
    }

    /** A dev token for {@code userId} with the role {@code user}. */
    String token(String userId) throws IOException, InterruptedException {
        return BenchSupport.devToken(client, baseUrl, REQUEST_TIMEOUT, userId);
    }

    /** The outcome of one {@code POST /api/downloads}: the download id on 202, otherwise an error. */
    record Posted(String downloadId, String error) {
    }

    Posted requestDownload(String token, String url) {
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve("/api/downloads"))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\"}"))
                .build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Matcher matcher = DOWNLOAD_ID.matcher(response.body());
            if (response.statusCode() == 202 && matcher.find()) {
                return new Posted(matcher.group(1), null);
            }
            return new Posted(null, "HTTP " + response.statusCode() + ": " + abbreviate(response.body()));
        } catch (IOException e) {
            return new Posted(null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Posted(null, "interrupted");
        }
    }

    /** The caller's downloads in {@code status}: {@code total} of {@code GET /api/downloads?status=&size=1}. */
    long count(String token, String status) throws IOException, InterruptedException {
        HttpResponse<String> response = get(token, "/api/downloads?status=" + status + "&size=1");
        Matcher matcher = TOTAL.matcher(response.body());
        if (response.statusCode() != 200 || !matcher.find()) {
            throw new IOException("GET /api/downloads?status=" + status + " answered " + response.statusCode() + ": "
                    + abbreviate(response.body()));
        }
        return Long.parseLong(matcher.group(1));
    }

    /** What {@code GET /api/downloads/{id}} shows of one download. */
    record DownloadState(String status, long bytesReceived, String errorCode, String errorMessage) {
    }

    DownloadState download(String token, String downloadId) throws IOException, InterruptedException {
        HttpResponse<String> response = get(token, "/api/downloads/" + downloadId);
        String body = response.body();
        Matcher status = STATUS.matcher(body);
        if (response.statusCode() != 200 || !status.find()) {
            throw new IOException("GET /api/downloads/" + downloadId + " answered " + response.statusCode() + ": "
                    + abbreviate(body));
        }
        Matcher bytes = BYTES_RECEIVED.matcher(body);
        Matcher code = ERROR_CODE.matcher(body);
        Matcher message = ERROR_MESSAGE.matcher(body);
        return new DownloadState(status.group(1), bytes.find() ? Long.parseLong(bytes.group(1)) : 0,
                code.find() ? code.group(1) : null, message.find() ? message.group(1) : null);
    }

    long reads() {
        return reads.get();
    }

    private HttpResponse<String> get(String token, String pathAndQuery) throws IOException, InterruptedException {
        reads.incrementAndGet();
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve(pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
