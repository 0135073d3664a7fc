package io.picflow.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;

/**
 * Writes a Google service-account JSON for the push benchmark (bench/push.sh runs it before it starts the service,
 * which reads it with {@code --picflow.notifications.fcm.credentials-file}): a fresh RSA 2048 key in PKCS#8 PEM, a
 * bench client email, and {@code token_uri} pointing at the benchmark's own FCM sink ({@link ProviderSink#fcm}).
 *
 * <pre>java -cp bench/target/classes io.picflow.bench.FcmCredentials --file F --token-uri http://127.0.0.1:P/token --project-id ID</pre>
 */
public final class FcmCredentials {

    private static final String USAGE = """
            usage: FcmCredentials --file FILE --token-uri http://127.0.0.1:PORT/token --project-id ID
            """;

    private FcmCredentials() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> values = BenchSupport.parseOrExit(args, BenchSupport::options, USAGE);
        String file = values.remove("file");
        String tokenUri = values.remove("token-uri");
        String project = values.remove("project-id");
        if (file == null || tokenUri == null || project == null || !tokenUri.startsWith("http://127.0.0.1:")) {
            System.err.print(USAGE);
            System.exit(2);
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        // getEncoded() of an RSA private key is PKCS#8 (PrivateKeyInfo): "BEGIN PRIVATE KEY", as Google issues them.
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        String json = "{\n"
                + "  \"type\": \"service_account\",\n"
                + "  \"project_id\": \"" + project + "\",\n"
                + "  \"private_key_id\": \"bench0000000000000000000000000000000000000\",\n"
                + "  \"private_key\": \"" + pem.replace("\n", "\\n") + "\",\n"
                + "  \"client_email\": \"bench@example.iam.gserviceaccount.com\",\n"
                + "  \"client_id\": \"100000000000000000000\",\n"
                + "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
                + "  \"token_uri\": \"" + tokenUri + "\"\n"
                + "}\n";
        Files.writeString(Path.of(file), json, StandardCharsets.UTF_8);
    }
}
