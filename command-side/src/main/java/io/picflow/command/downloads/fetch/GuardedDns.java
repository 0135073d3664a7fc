package io.picflow.command.downloads.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Dns;

/**
 * Resolves a host and refuses it when any of its addresses is forbidden. OkHttp connects only to
 * the addresses returned here, so the address checked is the address used: a DNS answer that
 * changes between check and connect (rebinding) cannot slip through. Lookups are bounded in time,
 * which the JDK resolver is not.
 */
final class GuardedDns implements Dns {

    private final AddressPolicy policy;
    private final Duration timeout;
    private final ExecutorService resolver;

    GuardedDns(AddressPolicy policy, Duration timeout, ExecutorService resolver) {
        this.policy = policy;
        this.timeout = timeout;
        this.resolver = resolver;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        AddressPolicy.requireUsualNotation(hostname);
        // "localhost." is localhost, but the system resolver compares /etc/hosts entries as written and would not
        // find it there. Either way, the addresses found are checked below.
        List<InetAddress> addresses = resolve(AddressPolicy.withoutRootDot(hostname));
        for (InetAddress address : addresses) {
            if (!policy.allows(address)) {
                throw new ForbiddenAddressException(hostname + " resolves to a forbidden address (" + address.getHostAddress() + ")");
            }
        }
        return addresses;
    }

    private List<InetAddress> resolve(String hostname) throws UnknownHostException {
        CompletableFuture<List<InetAddress>> lookup = CompletableFuture.supplyAsync(() -> {
            try {
                return Dns.SYSTEM.lookup(hostname);
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, resolver);
        try {
            return lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw new DnsTimeoutException(hostname);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            throw new UnknownHostException(hostname + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(hostname + ": interrupted");
        }
    }

    /** The resolver did not answer in time: transient, unlike an unknown host. */
    static final class DnsTimeoutException extends UnknownHostException {
        DnsTimeoutException(String hostname) {
            super("DNS lookup of " + hostname + " timed out");
        }
    }
}
