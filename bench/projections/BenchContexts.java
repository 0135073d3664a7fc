import io.picflow.devservices.TestServices;
import io.picflow.query.QuerySideApplication;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The query-side contexts the benches start: on the test services, a free port on 127.0.0.1, quiet logs. */
final class BenchContexts {

    private BenchContexts() {
    }

    /** The test services' properties, with a free port on 127.0.0.1 and warnings only; callers may add to them. */
    static Map<String, String> properties() {
        Map<String, String> properties = new HashMap<>(TestServices.applicationProperties(true));
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("logging.level.root", "WARN");
        return properties;
    }

    /** Starts the query side with {@code properties} as command-line arguments (they beat its property files). */
    static ConfigurableApplicationContext start(Map<String, String> properties) {
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(QuerySideApplication.class).run(arguments);
    }
}
