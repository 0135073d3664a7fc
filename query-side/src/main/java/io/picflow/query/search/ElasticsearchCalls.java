package io.picflow.query.search;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.picflow.platform.resilience.Breakers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.elasticsearch.client.Cancellable;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.ResponseListener;
import org.elasticsearch.client.RestClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Every request to Elasticsearch: each with a deadline set by who waits for it, and all but the health probe through
 * the {@code elasticsearch} circuit breaker (ADR 0018). A frozen node accepts connections and never answers, so
 * without a deadline each caller waited for the client's socket timeout; with the breaker open, callers learn it at
 * once. The deadline covers the whole call (the wait for a pooled connection, connecting, the answer) and is kept to
 * the millisecond: the client's own timeouts are only looked at about once a second by its I/O threads.
 */
@Component
class ElasticsearchCalls {

    /** The breaker's name in {@link Breakers}, its metrics and the {@code breakers} health component. */
    static final String BREAKER = "elasticsearch";

    /** Who waits for a call, hence how long it may take. */
    enum Kind {
        /** A user's search: answered 503 rather than kept waiting ({@code picflow.elasticsearch.search-timeout}). */
        SEARCH,
        /**
         * Indexing, index creation and rebuild steps, on processor or rebuild threads that retry a failure
         * ({@code picflow.elasticsearch.socket-timeout}).
         */
        WRITE
    }

    private final RestClient client;
    private final Breakers breakers;
    private final Duration writeTimeout;
    private final Duration searchTimeout;
    private final Duration healthTimeout;

    ElasticsearchCalls(RestClient client, Breakers breakers,
            @Value("${picflow.elasticsearch.socket-timeout:10s}") Duration writeTimeout,
            @Value("${picflow.elasticsearch.search-timeout:800ms}") Duration searchTimeout,
            @Value("${picflow.elasticsearch.health-timeout:500ms}") Duration healthTimeout) {
        this.client = client;
        this.breakers = breakers;
        this.writeTimeout = writeTimeout;
        this.searchTimeout = searchTimeout;
        this.healthTimeout = healthTimeout;
    }

    /**
     * Sends {@code request} through the breaker and reads its answer with {@code read}, which sees any status but 5xx
     * and 429. Fails with {@link ImageSearchIndex.Unavailable} when the breaker is open, Elasticsearch cannot be reached
     * or misses the deadline, answers 5xx or 429, or {@code read} says so; only those of Elasticsearch's own making
     * ({@link ImageSearchIndex.Unavailable#elasticsearchFailed()}) count against the breaker, never a refusal of one
     * request (a 4xx).
     */
    <T> T send(Request request, Kind kind, Function<Response, T> read) {
        try {
            return breakers.call(BREAKER, () -> read.apply(perform(request, deadline(kind))),
                    e -> !(e instanceof ImageSearchIndex.Unavailable unavailable) || unavailable.elasticsearchFailed());
        } catch (CallNotPermittedException e) {
            throw new ImageSearchIndex.Unavailable("the Elasticsearch circuit breaker is open", e, true);
        }
    }

    /**
     * The cluster health for {@code /actuator/health}, within {@code picflow.elasticsearch.health-timeout} and not
     * through the breaker (see {@link ElasticsearchHealthIndicator}).
     */
    Response probe(Request request) {
        return perform(request, healthTimeout);
    }

    /** Whether the breaker would let a call through now (false while it is open and its wait has not run out). */
    boolean breakerPermits() {
        return breakers.permitsNow(BREAKER);
    }

    /** How long until the breaker lets a trial call through: zero unless it is open. */
    Duration breakerRetryIn() {
        return breakers.retryIn(BREAKER);
    }

    /**
     * The {@code timeout} to give Elasticsearch for a request of {@code kind} that waits on the cluster
     * ({@code wait_for_status}): well within its deadline, so that Elasticsearch answers (408) before we give up on it.
     */
    String serverWait(Kind kind) {
        return Math.max(1, deadline(kind).toMillis() / 2) + "ms";
    }

    private Duration deadline(Kind kind) {
        return kind == Kind.SEARCH ? searchTimeout : writeTimeout;
    }

    private Response perform(Request request, Duration deadline) {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        Cancellable call;
        try {
            call = client.performRequestAsync(request, new ResponseListener() {
                @Override
                public void onSuccess(Response response) {
                    answer.complete(response);
                }

                @Override
                public void onFailure(Exception exception) {
                    answer.completeExceptionally(exception);
                }
            });
        } catch (RuntimeException e) { // the client is closed (the node is stopping)
            throw new ImageSearchIndex.Unavailable("Elasticsearch cannot be called: " + e, e, false);
        }
        try {
            return answer.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(); // frees the connection now, not at the socket timeout (a frozen node never answers)
            throw new ImageSearchIndex.Unavailable("Elasticsearch did not answer within " + deadline.toMillis() + " ms: "
                    + request.getMethod() + " " + request.getEndpoint(), e, true);
        } catch (InterruptedException e) {
            call.cancel();
            Thread.currentThread().interrupt();
            throw new ImageSearchIndex.Unavailable("Interrupted while waiting for Elasticsearch", e, false);
        } catch (ExecutionException e) {
            return failed(e.getCause());
        }
    }

    private static Response failed(Throwable failure) {
        if (failure instanceof ResponseException refused) {
            int status = refused.getResponse().getStatusLine().getStatusCode();
            if (status < 500 && status != 429) {
                return refused.getResponse(); // a verdict about this request, for the caller to judge
            }
            throw new ImageSearchIndex.Unavailable("Elasticsearch answered " + status + ": " + refused.getMessage(), refused, true);
        }
        // Not reached, refused the connection, no pooled connection in time ("Connection lease request time out"), ...
        throw new ImageSearchIndex.Unavailable("Elasticsearch is unavailable: " + failure, failure, true);
    }
}
