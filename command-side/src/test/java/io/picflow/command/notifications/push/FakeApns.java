package io.picflow.command.notifications.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;

/**
 * APNs on this machine: TLS with a certificate made for the test (by the JDK's keytool) and HTTP/2 by ALPN, as Apple
 * serves it. {@code POST /3/device/{token}} answers the scripted answers, else 200 with the request's {@code apns-id}.
 * The team's signing key (EC P-256) is made here and written to {@link #privateKey}; the server's certificate alone is
 * in the trust store {@link #trustStore} (password {@value #PASSWORD}).
 */
final class FakeApns extends FakePushProvider {

    static final String TEAM = "TEAM123456";
    static final String KEY_ID = "KEY7654321";
    static final String TOPIC = "io.picflow.app";
    static final String PASSWORD = "changeit";

    final KeyPair signingKey;
    final Path privateKey;
    final Path trustStore;

    FakeApns(Path directory) {
        try {
            Path serverStore = directory.resolve("apns-server.p12");
            Files.deleteIfExists(serverStore); // keytool adds to a store that exists, and refuses an alias twice
            keytool("-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", serverStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
            KeyStore server = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(serverStore)) {
                server.load(in, PASSWORD.toCharArray());
            }
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("apns", server.getCertificate("apns"));
            trustStore = directory.resolve("apns-trust.p12");
            try (OutputStream out = Files.newOutputStream(trustStore)) {
                trusted.store(out, PASSWORD.toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(server, PASSWORD.toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, null);
            this.server.useHttps(tls.getSocketFactory());
            this.server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
            this.server.start(InetAddress.getLoopbackAddress(), 0);

            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            signingKey = generator.generateKeyPair();
            privateKey = directory.resolve("AuthKey_" + KEY_ID + ".p8");
            Files.writeString(privateKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(signingKey.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void keytool(String... arguments) throws IOException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    String baseUrl() {
        return server.url("/").toString();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (request.getMethod().equals("POST") && path.startsWith("/3/device/")) {
            return sent(path.substring("/3/device/".length()), request);
        }
        return error(404, "BadPath");
    }

    @Override
    MockResponse accepted(RecordedRequest request) {
        return new MockResponse.Builder().code(200).setHeader("apns-id", String.valueOf(request.getHeaders().get("apns-id"))).build();
    }

    static MockResponse error(int status, String reason) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json")
                .body("{\"reason\":\"" + reason + "\"}").build();
    }
}
