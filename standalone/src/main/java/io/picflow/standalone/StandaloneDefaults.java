package io.picflow.standalone;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.PropertySource;

/**
 * The embedded run's defaults (127.0.0.1:8080). Imported after both sides, on purpose: of two
 * {@code @PropertySource} files naming a key, the one processed last wins, and each side names its
 * own port for when it runs alone. (A nested class would be processed first, hence a file of its own.)
 */
@Configuration(proxyBeanMethods = false)
@PropertySource("classpath:picflow-standalone.properties")
class StandaloneDefaults {
}
