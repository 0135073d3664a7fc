import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Prints an HS256 token for the local cluster (scripts/cluster token), signed with its secret: the claims every
 * picflow node requires (iss picflow, sub, roles, iat, exp one hour later). The JDK only: a fresh machine may have
 * no openssl. Usage: PICFLOW_CLUSTER_SECRET=... java scripts/ClusterToken.java USER ROLES (ROLES comma-separated; the
 * secret comes by environment because arguments show in ps).
 */
public class ClusterToken {

    public static void main(String[] args) throws Exception {
        String secret = System.getenv("PICFLOW_CLUSTER_SECRET");
        if (args.length != 2 || secret == null || secret.isEmpty()) {
            System.err.println("usage: PICFLOW_CLUSTER_SECRET=... java ClusterToken.java USER ROLES");
            System.exit(2);
        }
        long now = Instant.now().getEpochSecond();
        String roles = Arrays.stream(args[1].split(",")).map(role -> "\"" + role + "\"").collect(Collectors.joining(","));
        // USER and ROLES were checked by the script (letters, digits and . _ @ -): nothing to escape.
        String claims = "{\"iss\":\"picflow\",\"sub\":\"" + args[0] + "\",\"roles\":[" + roles + "],\"iat\":" + now
                + ",\"exp\":" + (now + 3600) + "}";
        String unsigned = base64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        System.out.println(unsigned + "." + base64(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8))));
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
