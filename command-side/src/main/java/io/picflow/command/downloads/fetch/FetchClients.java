package io.picflow.command.downloads.fetch;

import java.net.InetAddress;
import java.net.Proxy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * The HTTP client downloads run on, built in one place: the fetch worker uses it, and so do the
 * tests, which therefore test the client as shipped and not a copy that may drift from it.
 */
final class FetchClients {

    private FetchClients() {
    }

    /** The fetcher as the worker runs it: on {@code client}, checking literals with the configured policy. */
    static HttpFetcher fetcher(DownloadsProperties properties, OkHttpClient client) {
        return new HttpFetcher(client, properties, AddressPolicy.configured(properties));
    }

    /**
     * The client as the worker runs it, with the configured {@link AddressPolicy}.
     *
     * @param resolver the threads DNS lookups run on (bounded in time by {@link GuardedDns}); the caller
     *                 shuts them down
     */
    static OkHttpClient build(DownloadsProperties properties, ExecutorService resolver) {
        return build(properties, AddressPolicy.configured(properties), resolver);
    }

    /** The same client with another policy: for tests that need to reach a local server. */
    static OkHttpClient build(DownloadsProperties properties, AddressPolicy policy, ExecutorService resolver) {
        return new OkHttpClient.Builder()
                .proxy(Proxy.NO_PROXY)
                .dns(new GuardedDns(policy, properties.dnsTimeout(), resolver))
                // Defence in depth: whatever path a connection took (an IP literal skips DNS), check the peer.
                .addNetworkInterceptor(peerAddressCheck(policy))
                // Redirects are followed by HttpFetcher, which checks every hop's host before connecting.
                .followRedirects(false)
                .followSslRedirects(false)
                // A pooled connection the server has closed meanwhile is retried on a fresh one (GETs are safe to repeat).
                // With it OkHttp also repeats a request answered 408 (or 503 with Retry-After: 0) once, at once.
                .retryOnConnectionFailure(true)
                .connectTimeout(properties.connectTimeout())
                .readTimeout(properties.stallTimeout())
                .callTimeout(properties.overallTimeout())
                .dispatcher(new Dispatcher())
                .connectionPool(new ConnectionPool(properties.globalConcurrency(), 1, TimeUnit.MINUTES))
                .build();
    }

    /** Refuses a connection whose peer the policy forbids, before the request is sent on it. */
    static Interceptor peerAddressCheck(AddressPolicy policy) {
        return chain -> {
            InetAddress peer = chain.connection().route().socketAddress().getAddress();
            if (!policy.allows(peer)) {
                throw new ForbiddenAddressException("Connection to a forbidden address: " + peer.getHostAddress());
            }
            return chain.proceed(chain.request());
        };
    }
}
