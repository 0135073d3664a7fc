package io.picflow.command.notifications.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/** What the push providers share: their HTTP client, Retry-After, and reading the PEM keys their credentials are. */
public final class PushHttp {

    private PushHttp() {
    }

    /**
     * The client of one provider. HTTP/2 over TLS where the server offers it (by ALPN; APNs only speaks HTTP/2): one
     * connection carries every request in flight. {@code trustStore}: a PKCS#12 file whose certificates alone are trusted
     * (a test's or a proxy's), or null for the JDK's.
     */
    public static OkHttpClient client(Duration timeout, int maxInFlight, Path trustStore, String trustStorePassword) {
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5))
                .readTimeout(timeout).writeTimeout(timeout).callTimeout(timeout)
                .connectionPool(new ConnectionPool(maxInFlight, 5, TimeUnit.MINUTES))
                // A failed request is the engine's to retry (and the breaker's to count), not repeated unseen here.
                .retryOnConnectionFailure(false).followRedirects(false);
        okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
        dispatcher.setMaxRequests(maxInFlight); // asynchronous calls only: the providers bound their synchronous ones themselves
        dispatcher.setMaxRequestsPerHost(maxInFlight);
        builder.dispatcher(dispatcher);
        if (trustStore != null) {
            X509TrustManager trust = trustManager(trustStore, trustStorePassword);
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, new TrustManager[] {trust}, null);
                builder.sslSocketFactory(tls.getSocketFactory(), trust);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Could not set up TLS with " + trustStore, e);
            }
        }
        return builder.build();
    }

    private static X509TrustManager trustManager(Path trustStore, String password) {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("No X.509 trust manager for " + trustStore);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Could not read the trust store " + trustStore, e);
        }
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
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }

    /** A PKCS#8 private key in PEM ({@code -----BEGIN PRIVATE KEY-----}), of {@code algorithm} (RSA, EC). */
    static PrivateKey privateKey(String pem, String algorithm) {
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
        if (base64.contains("-----")) {
            throw new IllegalArgumentException("not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PKCS#8 " + algorithm + " private key: " + e.getMessage(), e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file, e);
        }
    }

    /**
     * {@code text} (an exception's message, a provider's answer: what goes into the delivery log) without the device's
     * token, should it quote it (APNs' URL holds it): tokens are credentials.
     */
    static String withoutToken(String text, io.picflow.command.devices.Devices.Sendable device) {
        return text == null ? null : text.replace(device.token(), "<token of device " + device.deviceId() + ">");
    }

    /** A detail for the delivery log: the first 200 characters of an answer. */
    static String shortened(String text) {
        return text == null ? "" : text.length() > 200 ? text.substring(0, 200) : text;
    }
}
